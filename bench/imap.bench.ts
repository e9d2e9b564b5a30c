/**
 * The IMAP server on PostgreSQL with a mailbox of BENCH_IMAP_MESSAGES (10,000)
 * messages of 4 KiB: APPEND, SELECT, UID FETCH 1:* (FLAGS RFC822.SIZE
 * ENVELOPE), FETCH BODY[] of 500 random messages, a repeated UID SEARCH on a
 * header, STORE +FLAGS on all, with 1 and 8 clients; then the memory each of
 * BENCH_IMAP_IDLE (1,000) idle connections costs. Figures beside Dovecot's on
 * the same machine (from the issue) as ratios; above 1 means faster.
 *
 *   BENCH_IMAP_MESSAGES (10000), BENCH_IMAP_APPENDS (500), BENCH_IMAP_BODIES (500),
 *   BENCH_IMAP_SEARCHES (20), BENCH_IMAP_STORES (4, after one untimed), BENCH_IMAP_IDLE (1000), BENCH_IMAP_CLIENTS (1,8), DATABASE_URL
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import pino from 'pino';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDemoWorld } from '../src/demo/world.ts';
import { startImapServer } from '../src/mail/imap/server/listener.ts';
import { loadTlsCredentials } from '../src/mail/smtp/tls.ts';
import { getFolder, insertMessage, listUids, summarise } from '../src/mail/store/index.ts';

const N = Number(process.env.BENCH_IMAP_MESSAGES ?? 10_000);
const APPENDS = Number(process.env.BENCH_IMAP_APPENDS ?? 500);
const BODIES = Number(process.env.BENCH_IMAP_BODIES ?? 500);
const SEARCHES = Number(process.env.BENCH_IMAP_SEARCHES ?? 20);
const STORES = Number(process.env.BENCH_IMAP_STORES ?? 4);
const IDLE = Number(process.env.BENCH_IMAP_IDLE ?? 1000);
const CLIENTS = (process.env.BENCH_IMAP_CLIENTS ?? '1,8').split(',').map(Number);
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const USER = 'jane.smith@care.example';
const PASS = 'Caremail-Demo-2026';

/** Dovecot on this machine with one client, from the issue. SEARCH is per search on 2,000 messages. */
const DOVECOT = { append: 520, fetchEnvelope: 53_000, body: 3_400, searchesOn2000: 380, store: 80_000 };

function client(port: number, workload: string, connections: number, arg = ''): Promise<{ ms: number; commands: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./imap-load-client.ts', import.meta.url).pathname, String(port), USER, PASS, workload, String(connections), arg], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${workload} client exited with ${code}`))));
  });
}

function message(i: number): Buffer {
  const head =
    `From: "Sender ${i % 97}" <sender${i % 97}@nhs.example>\r\nTo: Jane Smith <jane.smith@care.example>\r\nSubject: Message ${i}\r\n` +
    `Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench${i}@nhs.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
  const line = 'Clinic letter text for the benchmark mailbox, seventy-six characters a line.\r\n';
  return Buffer.from((head + line.repeat(60)).slice(0, 4096));
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;
const rows: string[][] = [];
function row(what: string, clients: number, value: string, dovecot = '', r = ''): void {
  rows.push([what, String(clients), value, dovecot, r]);
}

async function main(): Promise<void> {
  const name = `caremail_bench_imap_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 20 });
  try {
    await migrateToLatest(database.db);
    await createDemoWorld(database.db, 'care.example');
    const account = await database.db.selectFrom('accounts').select('id').where('email', '=', USER).executeTakeFirstOrThrow();
    const inbox = (await getFolder(database.db, account.id, 'INBOX'))!;
    const tls = loadTlsCredentials({ dataDir: mkdtempSync(join(tmpdir(), 'caremail-bench-imap-')), hostname: 'care.example' });
    const server = await startImapServer(database, pino({ level: 'silent' }), {
      host: '127.0.0.1', port: 0, tlsPort: null, tls, hostname: 'care.example', demoMode: true,
    });
    console.log(`IMAP benchmark on PostgreSQL, ${N} messages of 4 KiB in one INBOX`);

    // APPEND over IMAP first, into an empty INBOX, as Dovecot's figure was measured
    const appended = await client(server.port, 'append', 1, String(APPENDS));
    row('APPEND (messages/s)', 1, String(rate(appended.commands, appended.ms)), String(DOVECOT.append), ratio(rate(appended.commands, appended.ms), DOVECOT.append));
    const started = Date.now();
    for (let i = appended.commands; i < N; i += 500) {
      await database.db.transaction().execute(async (trx) => {
        for (let k = i; k < Math.min(N, i + 500); k++) {
          const raw = message(k);
          await insertMessage(trx, raw, [{ folderId: inbox.id, accountId: account.id }], { summary: summarise(raw) });
        }
      });
    }
    console.log(`(filled the rest of the mailbox through the store in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    const uids = await listUids(database.db, inbox.id);

    for (const c of CLIENTS) {
      const sel = await client(server.port, 'select', c);
      row('SELECT (ms each)', c, (sel.ms / 5).toFixed(1));
      const f = await client(server.port, 'fetch', c);
      const fr = rate(N * c, f.ms);
      row('UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE) (messages/s)', c, String(fr), String(DOVECOT.fetchEnvelope), c === 1 ? ratio(fr, DOVECOT.fetchEnvelope) : '');
      const pick = Array.from({ length: BODIES }, () => uids[Math.floor(Math.random() * uids.length)]);
      const b = await client(server.port, 'body', c, pick.join(','));
      const br = rate(BODIES * c, b.ms);
      row('FETCH BODY[] of random messages, one per command (messages/s)', c, String(br), String(DOVECOT.body), c === 1 ? ratio(br, DOVECOT.body) : '');
      const s = await client(server.port, 'search', c, String(SEARCHES));
      const perSearch = s.ms / SEARCHES;
      const scanned = rate(N * SEARCHES * c, s.ms);
      row(`UID SEARCH HEADER Subject (searches/s on ${N})`, c, (1000 / perSearch * c).toFixed(1));
      row('  the same as messages searched per second', c, String(scanned), String(DOVECOT.searchesOn2000 * 2000), c === 1 ? ratio(scanned, DOVECOT.searchesOn2000 * 2000) : '');
      const st = await client(server.port, 'store', c, String(STORES));
      const str = rate(N * c * STORES, st.ms);
      row('STORE +FLAGS on all (messages/s)', c, String(str), String(DOVECOT.store), c === 1 ? ratio(str, DOVECOT.store) : '');
    }

    // memory per idle connection: signed in, INBOX selected, in IDLE
    gc();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const idle = spawn(process.execPath, ['--import', 'tsx', new URL('./imap-load-client.ts', import.meta.url).pathname, String(server.port), USER, PASS, 'idle', String(IDLE)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      idle.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      idle.once('exit', (code) => reject(new Error(`idle client exited with ${code}`)));
    });
    gc();
    const afterIdle = process.memoryUsage();
    clearInterval(sampler);
    peakRss = Math.max(peakRss, afterIdle.rss);
    idle.removeAllListeners('exit');
    idle.kill();
    const perConn = (bytes: number) => `${(bytes / IDLE / 1024).toFixed(1)} KiB`;
    row(`memory per idle connection (${server.connections()} open, INBOX of ${N} selected, IDLE): RSS`, IDLE, perConn(peakRss - before.rss));
    row('  of which JavaScript heap', IDLE, perConn(afterIdle.heapUsed - before.heapUsed));

    console.log('');
    const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[['measure', 'clients', 'Caremail', 'Dovecot', 'ratio'], ...rows].map((r) => r[i].length)));
    for (const r of [['measure', 'clients', 'Caremail', 'Dovecot', 'ratio'], ...rows]) console.log(r.map((x, i) => x.padEnd(widths[i])).join('  '));
    await server.close();
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
