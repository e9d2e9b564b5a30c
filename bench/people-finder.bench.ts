import { loadavg } from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { operatorActor } from '../src/identity/actor.ts';
import { searchPeople } from '../src/directory/people-finder.ts';
import { FIRST_NAMES, generateDirectory, JOB_ROLES, LAST_NAMES } from './generate-directory.ts';

/**
 * People Finder at national scale: seeds BENCH_PEOPLE synthetic people (2
 * million by default) into a PostgreSQL database of its own, then times the
 * four kinds of search. A seeded database is kept and reused while the size,
 * seed and schema are the same. BENCH_PEOPLE=100000 for a quick run.
 */
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const people = Number(process.env.BENCH_PEOPLE ?? 2_000_000);
const seed = Number(process.env.BENCH_SEED ?? 42);
const runs = Number(process.env.BENCH_RUNS ?? 200);
// The generator's version is in the name: a database seeded by an older generator or schema is not reused.
const name = `caremail_bench_pf2_${people}_${seed}`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount;
if (!exists) await admin.query(`create database ${pg.escapeIdentifier(name)}`);
await admin.end();
const u = new URL(url);
u.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 4 });
const db = database.db;
await migrateToLatest(db);

let shape: { trustCodes: string[]; siteCodes: string[] };
const seeded = Number((await sql<{ n: string }>`select count(*)::text as n from accounts where email like '%@bench.example'`.execute(db)).rows[0].n);
if (seeded !== people) {
  console.log(`Seeding ${people.toLocaleString('en-GB')} people (seed ${seed}) into ${name}…`);
  const t0 = Date.now();
  await sql`truncate organisations, organisation_closure, organisation_units, accounts, mail_addresses, account_roles, directory_contacts, directory_names cascade`.execute(db);
  // Bulk loading is far faster with the search indexes built afterwards, from their own definitions.
  const { rows: searchIndexes } = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes where tablename = 'accounts' and indexname like 'accounts_search%'`.execute(db);
  for (const i of searchIndexes) await sql`drop index ${sql.ref(i.indexname)}`.execute(db);
  shape = await generateDirectory(db, { seed, people });
  console.log(`  rows written in ${((Date.now() - t0) / 1000).toFixed(0)} s; building ${searchIndexes.length} search indexes…`);
  for (const i of searchIndexes) await sql.raw(i.indexdef).execute(db);
  await sql`vacuum analyze`.execute(db);
  console.log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
} else {
  shape = {
    trustCodes: (await sql<{ code: string }>`select code from organisations where type = 'nhs_trust' order by code`.execute(db)).rows.map((r) => r.code),
    siteCodes: (await sql<{ code: string }>`select code from organisations where type in ('trust_site', 'gp_practice') order by code`.execute(db)).rows.map((r) => r.code),
  };
}
const rows = Number((await sql<{ n: string }>`select count(*)::text as n from accounts`.execute(db)).rows[0].n);
const orgs = Number((await sql<{ n: string }>`select count(*)::text as n from organisations`.execute(db)).rows[0].n);

// Deterministic query parameters from the same seed.
let state = seed;
const rand = (n: number) => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % n;
};
const pick = <T>(list: T[]) => list[rand(list.length)];
const misspell = (w: string) => {
  const i = 1 + rand(Math.max(1, w.length - 2));
  return w.slice(0, i) + (w[i] === 'e' ? 'a' : 'e') + w.slice(i + 1);
};

const actor = operatorActor();
const cases: Array<{ label: string; query: () => Record<string, unknown> }> = [
  { label: 'name prefix ("jon smi")', query: () => ({ name: `${pick(FIRST_NAMES).slice(0, 3)} ${pick(LAST_NAMES).slice(0, 3)}` }) },
  { label: 'fuzzy name (one letter wrong)', query: () => ({ name: `${pick(FIRST_NAMES)} ${misspell(pick(LAST_NAMES))}` }) },
  { label: 'name + organisation subtree', query: () => ({ name: pick(LAST_NAMES).slice(0, 4), organisation: pick(shape.trustCodes), includeChildren: true }) },
  { label: 'organisation + job role', query: () => ({ organisation: pick(shape.siteCodes), jobRole: pick(JOB_ROLES) }) },
];

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
// Timings on a shared machine mean little without how busy it was.
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`People Finder over ${rows.toLocaleString('en-GB')} accounts in ${orgs.toLocaleString('en-GB')} organisations (PostgreSQL), ${runs} queries each, load average ${load()}:`);
for (const c of cases) {
  for (let i = 0; i < 10; i++) await searchPeople(db, actor, c.query()); // warm the cache
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < runs; i++) {
    const q = c.query();
    const t = process.hrtime.bigint();
    const r = await searchPeople(db, actor, q);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    hits += r.rows.length ? 1 : 0;
  }
  times.sort((a, b) => a - b);
  console.log(`  ${c.label.padEnd(32)} median ${percentile(times, 50).toFixed(1).padStart(6)} ms   p95 ${percentile(times, 95).toFixed(1).padStart(6)} ms   (${hits}/${runs} found someone)`);
}
console.log(`  load average at the end: ${load()}`);
await database.close();
