import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { outboxNotifier } from '../../../src/notify/notifier.ts';
import { acceptMessage } from '../../../src/mail/queue/accept.ts';
import { QueueWorker } from '../../../src/mail/queue/worker.ts';
import { nodemailerDeliverer } from '../../../src/mail/delivery/remote.ts';
import { dkimRecord, ensureDkimKey } from '../../../src/mail/delivery/dkim.ts';
import { fetchMessages, getFolder, listMessages, readRaw } from '../../../src/mail/store/index.ts';
import { plainMessage, startInternet, stubResolver, type Internet } from './helpers.ts';

const DOMAINS = ['care.example'];
let database: TestDatabase;
let internet: Internet;
let worker: QueueWorker;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  internet = await startInternet();
  await ensureDkimKey(database.db, 'care.example');
  worker = new QueueWorker({
    db: database.db, localDomains: DOMAINS, hostname: 'mail.care.example', blockedExtensions: [], notifier: outboxNotifier(database.db),
    remote: nodemailerDeliverer({ heloName: 'mail.care.example', resolver: stubResolver({ 'partner.example': '127.0.0.1', 'down.example': '127.0.0.1' }), mxPort: internet.port, timeoutMs: 3000 }),
    retry: { baseSeconds: 0, maxDelaySeconds: 0, lifetimeSeconds: 3600 },
  });
});
after(async () => {
  await internet?.close();
  await database?.close();
});

const janeInbox = async () => {
  const jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
  return listMessages(database.db, (await getFolder(database.db, jane, 'INBOX'))!.id);
};

test('mail to another domain goes to its MX host, DKIM-signed with our key', async () => {
  const raw = plainMessage({ from: 'jane.smith@care.example', to: 'gp@partner.example', subject: 'Referral' });
  await acceptMessage(database.db, { from: 'jane.smith@care.example', recipients: ['gp@partner.example'], raw, origin: 'submission', localDomains: DOMAINS });
  await worker.drain();
  assert.equal(internet.received.length, 1);
  const got = internet.received[0];
  assert.deepEqual(got.to, ['gp@partner.example']);
  assert.match(got.raw.toString(), /^DKIM-Signature: .*d=care\.example/m);
  const key = await ensureDkimKey(database.db, 'care.example');
  const record = dkimRecord(key);
  const result = await dkimVerify(got.raw, {
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && name === record.name) return [[record.value]];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    },
  });
  assert.equal(result.results[0].status.result, 'pass');
  assert.equal((await database.db.selectFrom('mail_queue').selectAll().execute()).length, 0);
  assert.equal((await database.db.selectFrom('mail_blobs').selectAll().execute()).length, 0, 'bytes go once delivered');
});

test('a recipient refused with 550 gets the sender a bounce in plain words', async () => {
  internet.refuse.set('left@partner.example', '550 5.1.1 User unknown');
  const raw = plainMessage({ from: 'jane.smith@care.example', to: 'left@partner.example', subject: 'Follow-up' });
  await acceptMessage(database.db, { from: 'jane.smith@care.example', recipients: ['left@partner.example', 'gp@partner.example'], raw, origin: 'submission', localDomains: DOMAINS });
  await worker.drain();
  const inbox = await janeInbox();
  assert.equal(inbox.total, 1);
  const [m] = await fetchMessages(database.db, inbox.items[0].folderId, { from: 1, to: null });
  const dsn = (await readRaw(database.db, m.blobSha256)).toString();
  assert.match(dsn, /Undeliverable: Follow-up/);
  assert.match(dsn, /The address does not exist/);
  assert.match(dsn, /Final-Recipient: rfc822; left@partner\.example/);
  assert.match(dsn, /Diagnostic-Code: smtp; 550 5\.1\.1 User unknown/);
  assert.doesNotMatch(dsn, /gp@partner\.example\r\nAction/);
});

test('an unreachable server is retried with back-off and bounced when the lifetime is over', async () => {
  await internet?.close();
  const raw = plainMessage({ from: 'jane.smith@care.example', to: 'x@down.example', subject: 'Unreachable' });
  await acceptMessage(database.db, { from: 'jane.smith@care.example', recipients: ['x@down.example'], raw, origin: 'submission', localDomains: DOMAINS });
  await worker.processRemote();
  const [row] = await database.db.selectFrom('mail_queue').selectAll().where('domain', '=', 'down.example').execute();
  assert.equal(row.attempts, 1);
  assert.ok(row.last_error);
  await sql`update mail_queue set queued_at = now() - interval '2 hours', next_attempt_at = now()`.execute(database.db);
  await worker.drain();
  const inbox = await janeInbox();
  assert.equal(inbox.total, 2);
  assert.ok(inbox.items.some((i) => i.subject === 'Undeliverable: Unreachable'));
  assert.equal((await database.db.selectFrom('mail_queue').selectAll().execute()).length, 0);
  internet = await startInternet();
});
