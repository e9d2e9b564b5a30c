import { simpleParser } from 'mailparser';
import type { Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.ts';
import { outboxNotifier } from '../../../src/notify/notifier.ts';
import { QueueWorker } from '../../../src/mail/queue/worker.ts';
import { nodemailerDeliverer } from '../../../src/mail/delivery/remote.ts';
import { ensureDkimKey } from '../../../src/mail/delivery/dkim.ts';
import { getFolder, listMessages, readRaw, fetchMessages } from '../../../src/mail/store/index.ts';
import { serviceKeyFromBase64 } from '../../../src/mail/secure/envelope-crypto.ts';
import type { SecureMailOptions } from '../../../src/mail/secure/options.ts';
import { startInternet, stubResolver, type Internet } from '../delivery/helpers.ts';

export const DOMAINS = ['care.example'];
export const TEST_SERVICE_KEY = serviceKeyFromBase64('test-1', Buffer.alloc(32, 9).toString('base64'));

/** Secure-messaging options for tests: a fixed key, and DNS that knows nothing unless told. */
export function testSecureOptions(over: Partial<SecureMailOptions> = {}): SecureMailOptions {
  return {
    serviceKey: TEST_SERVICE_KEY, keyring: [TEST_SERVICE_KEY], publicUrl: 'http://portal.test', messageDays: 90, localDomains: DOMAINS,
    onPatientData: 'stop', trustedRelays: [], resolver: async (name: string) => { throw Object.assign(new Error(`no ${name}`), { code: 'ENOTFOUND' }); },
    ...over,
  };
}

/** A queue worker whose "internet" is a local SMTP server taking mail for outside.example. */
export async function mailWorld(db: Kysely<DB>): Promise<{ worker: QueueWorker; internet: Internet }> {
  const internet = await startInternet();
  await ensureDkimKey(db, DOMAINS[0]);
  const worker = new QueueWorker({
    db, localDomains: DOMAINS, hostname: 'mail.care.example', blockedExtensions: ['exe'], outsideBanner: true,
    notifier: outboxNotifier(db),
    remote: nodemailerDeliverer({ heloName: 'mail.care.example', resolver: stubResolver({ 'outside.example': '127.0.0.1' }), mxPort: internet.port, timeoutMs: 5000 }),
    retry: { baseSeconds: 0, maxDelaySeconds: 0, lifetimeSeconds: 3600 },
  });
  return { worker, internet };
}

export async function accountId(db: Kysely<DB>, email: string): Promise<string> {
  return (await db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
}

/** The messages in a person's INBOX, newest first, parsed. */
export async function inboxOf(db: Kysely<DB>, email: string) {
  const folder = (await getFolder(db, await accountId(db, email), 'INBOX'))!;
  const list = await listMessages(db, folder.id);
  const stored = await fetchMessages(db, folder.id, { from: 1, to: null });
  const out = [];
  for (const m of stored.reverse()) {
    const raw = await readRaw(db, m.blobSha256);
    out.push({ raw, parsed: await simpleParser(raw) });
  }
  return { total: list.total, messages: out };
}

/** The mail that reached the outside server for one address, parsed, oldest first. */
export async function receivedBy(internet: Internet, address: string) {
  const out = [];
  for (const r of internet.received.filter((x) => x.to.includes(address))) out.push({ raw: r.raw, parsed: await simpleParser(r.raw) });
  return out;
}

export function linkIn(text: string): string {
  const m = /(http:\/\/portal\.test|http:\/\/[0-9.:]+)\/secure\/m\/([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error('no secure link in the notification');
  return m[2];
}

export function codeIn(text: string): string {
  const m = /code is (\d{6})/.exec(text);
  if (!m) throw new Error('no code in the email');
  return m[1];
}
