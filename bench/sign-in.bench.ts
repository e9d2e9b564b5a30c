import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDemoWorld, DEMO_PASSWORD } from '../src/demo/world.ts';
import { ARGON2_PARAMS } from '../src/identity/password-hash.ts';
import { verifyPassword } from '../src/identity/verify-password.ts';

/**
 * Password sign-ins per second per core with our Argon2id parameters, beside
 * Keycloak's published figure (about 15 password sign-ins per second per vCPU
 * at its default hashing). Three figures:
 *  - the hash alone, one at a time (one core busy);
 *  - the hash alone, one per core at once (the machine's total, divided by cores);
 *  - the whole verifyPassword (look-up, hash, audit entry) on the embedded database, one at a time.
 * BENCH_SECONDS sets how long each runs (default 5).
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const cores = availableParallelism();
const KEYCLOAK_PER_VCPU = 15;

async function rate(label: string, parallel: number, once: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await once(); // warm up
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (Date.now() < until) {
      await once();
      done++;
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const perSecond = done / elapsed;
  console.log(`${label.padEnd(58)} ${perSecond.toFixed(1).padStart(8)} /s  (${done} in ${elapsed.toFixed(1)} s, ${(1000 / (perSecond / parallel)).toFixed(1)} ms each)`);
  return perSecond;
}

console.log(`Argon2id: ${ARGON2_PARAMS.memoryCost / 1024} MiB, ${ARGON2_PARAMS.timeCost} passes, ${ARGON2_PARAMS.parallelism} lane; ${cores} cores; Node ${process.version}`);
const stored = await hash(DEMO_PASSWORD, ARGON2_PARAMS);
const one = await rate('Argon2id verify, one at a time (per core)', 1, () => verify(stored, DEMO_PASSWORD));
const all = await rate(`Argon2id verify, ${cores} at once (whole machine)`, cores, () => verify(stored, DEMO_PASSWORD));

const database = await openDatabase({ dataDir: 'memory://' });
await migrateToLatest(database.db);
await createDemoWorld(database.db, 'care.example');
const full = await rate('verifyPassword on the embedded database, one at a time', 1, () =>
  verifyPassword(database.db, 'jane.smith@care.example', DEMO_PASSWORD, { frontDoor: 'portal', demoMode: true, ip: '127.0.0.1', client: 'bench' }));
await database.close();

const perCore = all / cores;
console.log('');
console.log(`Sign-ins per second per core (hash only, all cores busy): ${perCore.toFixed(1)}`);
console.log(`Compared with Keycloak's ~${KEYCLOAK_PER_VCPU} per vCPU: ${(perCore / KEYCLOAK_PER_VCPU).toFixed(1)}× (one at a time: ${(one / KEYCLOAK_PER_VCPU).toFixed(1)}×; whole verifyPassword with its audit entry: ${(full / KEYCLOAK_PER_VCPU).toFixed(1)}×)`);
