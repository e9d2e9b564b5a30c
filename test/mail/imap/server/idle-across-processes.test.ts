/**
 * Two `caremail serve` processes on one PostgreSQL database: a client IDLE on
 * one hears of a message that arrives through the other (PostgreSQL
 * LISTEN/NOTIFY carries the change). Needs PostgreSQL: PGlite is one process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { onPostgres, openTestDatabase, type TestDatabase } from '../../../helpers/db.ts';
import { freePort, startServiceProcess, type ServiceProcess } from '../../../helpers/service-process.ts';
import { JANE, PASSWORD, sampleMessage } from './helpers.ts';

const skip = onPostgres() ? false : 'needs PostgreSQL (set DATABASE_URL): PGlite serves one process only';
let database: TestDatabase | undefined;
const services: Array<{ svc: ServiceProcess; imapPort: number }> = [];

before(async () => {
  if (skip) return;
  database = await openTestDatabase();
  // one after the other, so only the first makes the demo world
  for (let i = 0; i < 2; i++) {
    const imapPort = await freePort();
    services.push({ svc: await startServiceProcess({ databaseUrl: database.url, env: { CAREMAIL_IMAP_PORT: String(imapPort) } }), imapPort });
  }
});
after(async () => {
  for (const s of services) await s.svc.stop();
  await database?.close();
});

function client(port: number): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: JANE, pass: PASSWORD }, logger: false, tls: { rejectUnauthorized: false } });
}

test('IDLE on one process announces a message appended through another process', { skip, timeout: 60_000 }, async (t) => {
  const watcher = client(services[0].imapPort);
  const writer = client(services[1].imapPort);
  await watcher.connect();
  await writer.connect();
  await watcher.mailboxOpen('INBOX');
  const before = (watcher.mailbox as { exists: number }).exists;
  let sentAt = 0;
  const announced = new Promise<{ count: number; after: number }>((resolve) => watcher.on('exists', (e) => resolve({ count: e.count, after: Date.now() - sentAt })));
  void watcher.idle();
  await new Promise((r) => setTimeout(r, 300));
  sentAt = Date.now();
  await writer.append('INBOX', sampleMessage(1, { subject: 'From the other process' }));
  const got = await Promise.race([announced, new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no EXISTS within 10 s')), 10_000))]);
  assert.equal(got.count, before + 1);
  t.diagnostic(`announced ${got.after} ms after the APPEND was sent`);
  const m = await watcher.fetchOne('*', { envelope: true });
  assert.ok(m);
  assert.equal(m.envelope!.subject, 'From the other process');
  await watcher.logout();
  await writer.logout();
});
