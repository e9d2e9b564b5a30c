import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { outboxNotifier, readOutbox } from '../../../src/notify/notifier.ts';
import { acceptMessage } from '../../../src/mail/queue/accept.ts';
import { QueueWorker } from '../../../src/mail/queue/worker.ts';
import { getFolder, listMessages, mailboxUsage, readRaw, fetchMessages, setQuota } from '../../../src/mail/store/index.ts';
import { nodemailerDeliverer } from '../../../src/mail/delivery/remote.ts';
import { plainMessage } from './helpers.ts';

const DOMAINS = ['care.example'];
let database: TestDatabase;
let worker: QueueWorker;
const accountId = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const inbox = async (email: string) => listMessages(database.db, (await getFolder(database.db, await accountId(email), 'INBOX'))!.id);

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  worker = new QueueWorker({
    db: database.db, localDomains: DOMAINS, hostname: 'mail.care.example', blockedExtensions: ['exe', 'docm'],
    notifier: outboxNotifier(database.db), remote: nodemailerDeliverer({ heloName: 'mail.care.example', resolver: { resolveMx: async () => [] }, mxPort: 1, timeoutMs: 500 }),
    retry: { baseSeconds: 0, maxDelaySeconds: 0, lifetimeSeconds: 3600 },
  });
});
after(() => database?.close());

test('an accepted message is queued and then delivered once to each INBOX, aliases included', async () => {
  const jane = await accountId('jane.smith@care.example');
  await database.db.insertInto('mail_addresses').values({ address: 'district.nurses@care.example', account_id: jane, kind: 'alias', reserved_until: null }).execute();
  const raw = plainMessage({ from: 'someone@outside.example', to: 'jane.smith@care.example', subject: 'Clinic times' });
  const { queueIds } = await acceptMessage(database.db, {
    from: 'someone@outside.example', recipients: ['Jane.Smith@care.example', 'district.nurses@care.example', 'amara.okafor@care.example'], raw, origin: 'mx', localDomains: DOMAINS,
  });
  assert.equal(queueIds.length, 1);
  await worker.drain();
  assert.equal((await inbox('jane.smith@care.example')).total, 1, 'an account reached by two of its addresses gets one copy');
  assert.equal((await inbox('amara.okafor@care.example')).total, 1);
  assert.equal((await database.db.selectFrom('mail_queue').selectAll().execute()).length, 0);
  assert.equal((await database.db.selectFrom('mail_blobs').select('refs').executeTakeFirstOrThrow()).refs, 2);
});

test("a joiner's receive-only alias delivers until its reserved_until day, then bounces", async () => {
  const tom = await accountId('tom.baker@care.example');
  await database.db.insertInto('mail_addresses').values([
    { address: 'tom.baker.old@care.example', account_id: tom, kind: 'alias', reserved_until: new Date(Date.now() + 90 * 86400_000) },
    { address: 'tom.baker.expired@care.example', account_id: tom, kind: 'alias', reserved_until: new Date(Date.now() - 86400_000) },
  ]).execute();
  const raw = plainMessage({ from: 'li.wei@care.example', to: 'tom.baker.old@care.example', subject: 'Repeat prescription' });
  await acceptMessage(database.db, { from: 'li.wei@care.example', recipients: ['tom.baker.old@care.example', 'tom.baker.expired@care.example'], raw, origin: 'submission', localDomains: DOMAINS });
  await worker.drain();
  assert.equal((await inbox('tom.baker@care.example')).total, 1);
  const bounces = await inbox('li.wei@care.example');
  assert.equal(bounces.total, 1);
  assert.match(bounces.items[0].subject, /Undeliverable: Repeat prescription/);
  const [stored] = await fetchMessages(database.db, bounces.items[0].folderId, { from: 1, to: null });
  const dsn = (await readRaw(database.db, stored.blobSha256)).toString();
  assert.match(dsn, /multipart\/report; report-type=delivery-status/);
  assert.match(dsn, /Final-Recipient: rfc822; tom.baker.expired@care.example\r\nAction: failed\r\nStatus: 5\.1\.1/);
  assert.match(dsn, /There is no mailbox tom.baker.expired@care.example here/);
});

test('blocked attachments are removed on delivery and replaced by a note saying why', async () => {
  const raw = Buffer.from([
    'From: a@outside.example', 'To: jonathan.smith@care.example', 'Subject: Invoice', 'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', 'Please see attached.',
    '--b1', 'Content-Type: application/octet-stream; name="invoice.exe"', 'Content-Disposition: attachment; filename="invoice.exe"',
    'Content-Transfer-Encoding: base64', '', 'TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '--b1',
    'Content-Type: application/pdf; name="notes.pdf"', 'Content-Disposition: attachment; filename="notes.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK',
    '--b1--', '',
  ].join('\r\n'));
  await acceptMessage(database.db, { from: 'a@outside.example', recipients: ['jonathan.smith@care.example'], raw, origin: 'mx', localDomains: DOMAINS });
  await worker.drain();
  const list = await inbox('jonathan.smith@care.example');
  const [m] = await fetchMessages(database.db, list.items[0].folderId, { from: 1, to: null });
  const stored = (await readRaw(database.db, m.blobSha256)).toString();
  assert.doesNotMatch(stored, /TVqQ/);
  assert.match(stored, /removed an attachment from this message: invoice\.exe/);
  assert.match(stored, /notes\.pdf/);
  assert.match(stored, /Please see attached\./);
  const parts = (m.bodyStructure as { parts: Array<{ subtype: string }> }).parts.map((p) => p.subtype);
  assert.deepEqual(parts, ['plain', 'plain', 'pdf']);
});

test('a full mailbox defers, then bounces when the queue gives up; warnings go out at 80, 90 and 100%', async () => {
  const sam = await accountId('sam.taylor@care.example');
  const one = plainMessage({ from: 'x@outside.example', to: 'sam.taylor@care.example', subject: 'Filler', body: 'x'.repeat(1000) });
  await setQuota(database.db, sam, Math.floor(one.length * 1.2));
  await acceptMessage(database.db, { from: 'x@outside.example', recipients: ['sam.taylor@care.example'], raw: one, origin: 'mx', localDomains: DOMAINS });
  await worker.drain();
  const warnings = await readOutbox(database.db, { recipient: 'sam.taylor@care.example' });
  assert.deepEqual(warnings.map((w) => w.purpose), ['mailbox_quota_80']);
  const second = plainMessage({ from: 'alex.morgan@care.example', to: 'sam.taylor@care.example', subject: 'Rota', body: 'y'.repeat(1000) });
  await acceptMessage(database.db, { from: 'alex.morgan@care.example', recipients: ['sam.taylor@care.example'], raw: second, origin: 'submission', localDomains: DOMAINS });
  await worker.drain(1);
  const queued = await database.db.selectFrom('mail_queue').selectAll().execute();
  assert.equal(queued.length, 1, 'deferred, still queued');
  assert.equal(queued[0].last_error, 'The mailbox is full.');
  await sql`update mail_queue set queued_at = now() - interval '2 hours', next_attempt_at = now()`.execute(database.db);
  await worker.drain();
  const bounce = await inbox('alex.morgan@care.example');
  assert.equal(bounce.total, 1);
  assert.match(bounce.items[0].preview, /mailbox is full/);
  assert.equal((await inbox('sam.taylor@care.example')).total, 1);
});

test('usage stays exact under concurrent delivery', async () => {
  const nadia = await accountId('nadia.shah@care.example');
  const sends = Array.from({ length: 40 }, (_, i) =>
    acceptMessage(database.db, {
      from: 'x@outside.example', recipients: ['nadia.shah@care.example', 'priya.patel@care.example'],
      raw: plainMessage({ from: 'x@outside.example', to: 'nadia.shah@care.example', subject: `n${i}`, body: 'z'.repeat(i * 37) }), origin: 'mx', localDomains: DOMAINS,
    }),
  );
  await Promise.all(sends);
  await Promise.all([worker.drain(), worker.drain(), worker.drain()]);
  const usage = await mailboxUsage(database.db, nadia);
  const sum = await sql<{ n: string; c: string }>`select coalesce(sum(size),0) as n, count(*) as c from mail_messages where account_id = ${nadia}`.execute(database.db);
  assert.equal(Number(sum.rows[0].c), 40);
  assert.equal(usage.usedBytes, Number(sum.rows[0].n));
  assert.equal(usage.messages, 40);
});

test('submitMessage (webmail\'s path) queues the message and can file a copy in Sent', async () => {
  const { submitMessage } = await import('../../../src/mail/delivery/submit.ts');
  const { folderBySpecialUse } = await import('../../../src/mail/store/index.ts');
  const jonathan = await accountId('jonathan.smith@care.example');
  const raw = plainMessage({ from: 'Jonathan Smith <jonathan.smith@care.example>', to: 'jane.smith@care.example', subject: 'Ward round' });
  await submitMessage(database.db, jonathan, raw, { recipients: ['jane.smith@care.example'] }, { localDomains: DOMAINS, saveToSent: true });
  const sent = await listMessages(database.db, (await folderBySpecialUse(database.db, jonathan, '\\Sent')).id);
  assert.deepEqual(sent.items.map((i) => [i.subject, i.seen]), [['Ward round', true]]);
  await worker.drain();
  assert.ok((await inbox('jane.smith@care.example')).items.some((i) => i.subject === 'Ward round'));
});
