/**
 * SMTP in to stored in mailboxes: COUNT messages of 4 KiB from 20 parallel
 * connections to the MX port, timed until every one is in its mailbox (not
 * just accepted), on PGlite and on PostgreSQL (when a server answers at
 * DATABASE_URL or 127.0.0.1:5432), beside the same client against a
 * do-nothing SMTP sink. Also: CPU time per message, and the bytes stored for
 * one message sent to 1,000 recipients.
 *
 *   BENCH_MESSAGES (20000), BENCH_CONNECTIONS (20), BENCH_SIZE (4096), BENCH_ENGINES (pglite,postgres),
 *   BENCH_SINK (1; 0 leaves the sink out, e.g. to profile only the server)
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDemoWorld } from '../src/demo/world.ts';
import { createMxServer } from '../src/mail/smtp/mx.ts';
import { loadTlsCredentials } from '../src/mail/smtp/tls.ts';
import { QueueWorker } from '../src/mail/queue/worker.ts';
import { acceptMessage } from '../src/mail/queue/accept.ts';
import { outboxNotifier } from '../src/notify/notifier.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const COUNT = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SIZE = Number(process.env.BENCH_SIZE ?? 4096);
const ENGINES = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',');
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DOMAINS = ['care.example'];
const RECIPIENTS = ['jane.smith@care.example', 'amara.okafor@care.example', 'tom.baker@care.example', 'li.wei@care.example', 'jonathan.smith@care.example'];
const tls = loadTlsCredentials({ dataDir: mkdtempSync(join(tmpdir(), 'caremail-bench-')), hostname: 'mail.care.example' });

type ClientResult = { ok: number; failed: number; ms: number; cpuMs: number };

function runClient(port: number, count: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./smtp-load-client.ts', import.meta.url).pathname, String(port), String(count), String(CONNECTIONS), String(SIZE), RECIPIENTS.join(',')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load client exited with ${code}`))));
  });
}

async function sink(): Promise<void> {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true,
    onData(stream, _s, cb) {
      stream.on('data', () => {});
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const r = await runClient(port, COUNT);
  await new Promise<void>((res) => server.close(() => res()));
  console.log(`  do-nothing sink        ${rate(r.ok, r.ms)} messages/s accepted (client CPU ${(r.cpuMs / r.ok).toFixed(3)} ms/message)`);
}

function rate(n: number, ms: number): string {
  return Math.round((n * 1000) / ms).toLocaleString('en-GB').padStart(7);
}

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const name = `caremail_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * CPU time of the PostgreSQL server processes serving this database (Linux
 * /proc, same machine): backends alive at the end, minus what those alive at
 * the start had used already. Null when the server is not on this machine.
 */
async function postgresCpuMs(database: Database, since?: Map<number, number>): Promise<{ total: number; byPid: Map<number, number> } | null> {
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(new URL(PG_URL).hostname)) return null;
  const pids = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(database.db);
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const byPid = new Map<number, number>();
  try {
    for (const { pid } of pids.rows) {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      byPid.set(pid, (Number(f[11]) + Number(f[12])) * tick);
    }
  } catch {
    return null;
  }
  let total = 0;
  for (const [pid, ms] of byPid) total += ms - (since?.get(pid) ?? 0);
  return { total, byPid };
}

async function storedCount(database: Database): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from mail_messages where subject like 'bench %'`.execute(database.db);
  return Number(r.rows[0].n);
}

async function engine(kind: string): Promise<void> {
  let drop = async () => {};
  let database: Database;
  if (kind === 'postgres') {
    const fresh = await freshPostgres();
    if (!fresh) {
      console.log('  PostgreSQL             skipped: no server at DATABASE_URL or 127.0.0.1:5432');
      return;
    }
    drop = fresh.drop;
    database = await openDatabase({ databaseUrl: fresh.url, poolSize: 10 });
  } else {
    database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), 'caremail-bench-pglite-')) });
  }
  try {
    await migrateToLatest(database.db);
    await createDemoWorld(database.db, 'care.example');
    const server = createMxServer({ db: database.db, localDomains: DOMAINS, hostname: 'mail.care.example', tls });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.server.address() as AddressInfo).port;
    const worker = new QueueWorker({
      db: database.db, database, localDomains: DOMAINS, hostname: 'mail.care.example', blockedExtensions: ['exe', 'docm'],
      notifier: outboxNotifier(database.db), remote: { deliver: async () => ({ accepted: [], temporary: [], permanent: [] }) },
      localConcurrency: kind === 'postgres' ? 2 : 1, batchSize: 100, pollMs: 200,
    });
    await worker.start();
    const pg0 = kind === 'postgres' ? await postgresCpuMs(database) : null;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const client = await runClient(port, COUNT);
    const acceptedMs = performance.now() - t0;
    while ((await storedCount(database)) < client.ok) await new Promise((r) => setTimeout(r, 50));
    const storedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const pgCpu = pg0 ? await postgresCpuMs(database, pg0.byPid) : null;
    const label = kind === 'postgres' ? 'PostgreSQL' : 'PGlite    ';
    console.log(
      `  ${label}             ${rate(client.ok, storedMs)} messages/s stored in mailboxes (${rate(client.ok, acceptedMs).trim()}/s accepted; ${client.failed} refused)` +
        `; server CPU ${((cpu.user + cpu.system) / 1000 / client.ok).toFixed(3)} ms/message, client CPU ${(client.cpuMs / client.ok).toFixed(3)} ms/message` +
        (kind === 'postgres' ? (pgCpu ? `, PostgreSQL CPU ${(pgCpu.total / client.ok).toFixed(3)} ms/message` : ' (PostgreSQL server CPU not measured: not on this machine)') : ''),
    );
    await new Promise<void>((r) => server.close(() => r()));
    await worker.stop();
    await fanOut(database, label.trim(), worker);
  } finally {
    await database.close();
    await drop();
  }
}

/** One 4 KiB message to 1,000 accounts: how much the store grows. */
async function fanOut(database: Database, label: string, worker: QueueWorker): Promise<void> {
  const org = await database.db.selectFrom('organisations').select('id').where('code', '=', 'RXN').executeTakeFirstOrThrow();
  await sql`
    with a as (
      insert into accounts (organisation_id, email, first_name, last_name, display_name)
      select ${org.id}::uuid, 'fan' || g || '@care.example', 'Fan', 'Out ' || g, 'Out ' || g from generate_series(1, 1000) g
      returning id, email)
    insert into mail_addresses (address, account_id, kind) select email, id, 'primary' from a`.execute(database.db);
  const size = async () => Number((await sql<{ n: string }>`select pg_total_relation_size('mail_blobs') + pg_total_relation_size('mail_messages') as n`.execute(database.db)).rows[0].n);
  await sql`vacuum mail_blobs`.execute(database.db).catch(() => {});
  const before = await size();
  const blobsBefore = Number((await sql<{ n: string }>`select coalesce(sum(octet_length(raw)),0) as n from mail_blobs`.execute(database.db)).rows[0].n);
  let raw = 'From: someone@partner.example\r\nTo: everyone@care.example\r\nSubject: fan-out\r\n\r\n';
  while (raw.length < SIZE) raw += 'y'.repeat(76) + '\r\n';
  await acceptMessage(database.db, { from: 'someone@partner.example', recipients: Array.from({ length: 1000 }, (_, i) => `fan${i + 1}@care.example`), raw: Buffer.from(raw), origin: 'mx', localDomains: DOMAINS });
  await worker.drain();
  const copies = Number((await sql<{ n: string }>`select count(*) as n from mail_messages where subject = 'fan-out'`.execute(database.db)).rows[0].n);
  const blobsAfter = Number((await sql<{ n: string }>`select coalesce(sum(octet_length(raw)),0) as n from mail_blobs`.execute(database.db)).rows[0].n);
  const grew = (await size()) - before;
  console.log(
    `  ${label.padEnd(10)} fan-out     one ${raw.length}-byte message to ${copies} mailboxes: message bytes stored ${blobsAfter - blobsBefore} (one copy); ` +
      `store grew ${Math.round(grew / 1024)} KiB in all (${Math.round(grew / copies)} bytes per mailbox entry: UID, flags, envelope, index)`,
  );
}

console.log(`SMTP in → stored in mailboxes: ${COUNT} messages of ${SIZE} bytes over ${CONNECTIONS} connections`);
if (process.env.BENCH_SINK !== '0') await sink();
for (const e of ENGINES) await engine(e);
