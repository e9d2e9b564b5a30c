import pg from 'pg';
import { sql } from 'kysely';
import { testSettings } from '../src/config/settings.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createDemoWorld, DEMO_PASSWORD } from '../src/demo/world.ts';
import { copyMessages, getFolder, insertMessage, listFolders, listUids } from '../src/mail/store/index.ts';
import { outboxNotifier } from '../src/notify/notifier.ts';
import { buildPortal } from '../src/portal/app.ts';
import { makeLogger } from '../src/shared/log.ts';

/**
 * Webmail's message list and search over a big INBOX: BENCH_WEBMAIL_MESSAGES
 * (50,000 by default) in one person's INBOX, in a PostgreSQL database of its
 * own (DATABASE_URL, default the local test server; dropped afterwards). Times
 * are server time through fastify's inject (no network), BENCH_RUNS each:
 * median and 95th percentile. The aim is under 100 ms.
 */
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const total = Number(process.env.BENCH_WEBMAIL_MESSAGES ?? 50_000);
const runs = Number(process.env.BENCH_RUNS ?? 40);
const name = `caremail_bench_webmail_${process.pid}`;
const DISTINCT = Math.min(total, 2_000);

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`create database ${pg.escapeIdentifier(name)}`);
const u = new URL(url);
u.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 4 });
const db = database.db;

try {
  await migrateToLatest(db);
  await createDemoWorld(db, 'care.example');
  const reader = 'jonathan.smith@care.example';
  const accountId = (await db.selectFrom('accounts').select('id').where('email', '=', reader).executeTakeFirstOrThrow()).id;
  await listFolders(db, accountId);
  const inbox = (await getFolder(db, accountId, 'INBOX'))!;

  console.log(`Seeding ${total.toLocaleString('en-GB')} messages into one INBOX…`);
  const t0 = Date.now();
  const words = ['ward', 'clinic', 'referral', 'discharge', 'rota', 'audit', 'pharmacy', 'handover', 'meeting', 'results', 'bloods', 'theatre', 'outpatient', 'community', 'safeguarding', 'training'];
  const people = ['Jane Smith', 'Amara Okafor', 'Li Wei', 'Tom Baker', 'Sam Taylor', 'Alex Morgan', 'Priya Patel', 'Nadia Shah'];
  for (let start = 0; start < DISTINCT; start += 200) {
    await db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(DISTINCT, start + 200); i++) {
        const who = people[i % people.length];
        const subject = `${words[i % words.length]} ${words[(i * 7) % words.length]} ${i}`;
        // One message in a hundred mentions a rare word, as a real search would look for.
        const body = `${words[(i * 3) % words.length]} notes for ${who}. ${i % 100 === 0 ? 'anticoagulation review' : 'routine'} ${'text '.repeat(40 + (i % 200))}`;
        const raw = Buffer.from(`From: ${who} <${who.toLowerCase().replace(' ', '.')}@care.example>\r\nTo: ${reader}\r\nSubject: ${subject}\r\n` +
          `Date: ${new Date(Date.UTC(2025, 0, 1) + i * 600_000).toUTCString()}\r\nMessage-ID: <b${i}@care.example>\r\nMIME-Version: 1.0\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`);
        await insertMessage(trx, raw, [{ folderId: inbox.id, accountId }], { internalDate: new Date(Date.UTC(2025, 0, 1) + i * 600_000), flags: i % 3 ? ['\\Seen'] : [] });
      }
    });
  }
  // The rest are copies (a copy is a new row sharing the bytes), doubling until the INBOX is full.
  for (;;) {
    const uids = await listUids(db, inbox.id);
    if (uids.length >= total) break;
    await copyMessages(db, inbox.id, uids.slice(0, total - uids.length), inbox.id);
  }
  await sql`analyze`.execute(db);
  console.log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  const app = await buildPortal({ db, settings: testSettings({ secretKey: Buffer.alloc(32, 7).toString('base64') }), log: makeLogger('silent'), notifier: outboxNotifier(db), databaseAnswers: async () => true });
  const cookies = new Map<string, string>();
  const keep = (set: string | string[] | undefined) => {
    for (const c of ([] as string[]).concat(set ?? [])) {
      const pair = c.split(';')[0];
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const signInPage = await app.inject({ method: 'GET', url: '/sign-in' });
  keep(signInPage.headers['set-cookie']);
  const csrf = signInPage.body.match(/name="_csrf" value="([^"]+)"/)![1];
  const signedIn = await app.inject({
    method: 'POST', url: '/sign-in', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email: reader, password: DEMO_PASSWORD, _csrf: csrf }).toString(),
  });
  keep(signedIn.headers['set-cookie']);
  if (signedIn.statusCode !== 303) throw new Error(`sign-in failed (${signedIn.statusCode})`);

  const time = async (label: string, path: string) => {
    const ms: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const t = process.hrtime.bigint();
      const res = await app.inject({ method: 'GET', url: path, headers: { cookie: cookie() } });
      const took = Number(process.hrtime.bigint() - t) / 1e6;
      if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}`);
      if (i >= 3) ms.push(took); // the first few warm the caches
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)];
    const p95 = ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)];
    console.log(`  ${label.padEnd(48)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms`);
  };
  const f = `/mail/folders/${inbox.id}`;
  console.log(`\nWebmail over a ${total.toLocaleString('en-GB')}-message INBOX (${runs} runs each, server time):`);
  // What every page costs whatever the folder's size (session, folder column, page rendering): the rest is the folder's.
  await time('baseline: the empty Drafts folder', `/mail/folders/${(await getFolder(db, accountId, 'Drafts'))!.id}`);
  await time('message list, newest first (page 1)', f);
  await time('message list, by sender (page 1)', `${f}?sort=from&dir=asc`);
  await time('message list, by subject (page 1)', `${f}?sort=subject&dir=asc`);
  await time('message list, by size (page 1)', `${f}?sort=size&dir=desc`);
  await time('message list, newest first, page 100', `${f}?page=100`);
  await time('message list, unread only', `${f}?unread=1`);
  await time('search: body word (1% of messages)', '/mail/search?text=anticoagulation');
  await time('search: common word', '/mail/search?text=handover');
  await time('search: sender', '/mail/search?from=li.wei');
  await time('search: subject and date range', '/mail/search?subject=audit&since=2025-01-10&before=2025-01-20');
  await app.close();
} finally {
  await database.close();
  await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await admin.end();
}
