import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { submitMessage } from '../../../src/mail/delivery/submit.ts';
import { OutboundPolicyRefused } from '../../../src/mail/secure/outbound-policy.ts';
import { findByLinkToken, readSecureMessage, replyToSender, secureAttachment, sendAccessCode, verifyAccessCode, readerMayRead, forwardIntoService } from '../../../src/mail/secure/secure-reader.ts';
import { eraseExpiredSecureMessages, listSentSecureMessages, revokeSecureMessage } from '../../../src/mail/secure/secure-messages.ts';
import { addAccreditedDomain } from '../../../src/mail/secure/accredited-domains.ts';
import { setApprovalRequired, setSenderApproved } from '../../../src/mail/secure/sender-approval.ts';
import { generateValidNhsNumber, formatNhsNumber } from '../../../src/mail/secure/nhs-number.ts';
import type { QueueWorker } from '../../../src/mail/queue/worker.ts';
import type { Internet } from '../delivery/helpers.ts';
import { accountId, codeIn, DOMAINS, inboxOf, linkIn, mailWorld, receivedBy, testSecureOptions, TEST_SERVICE_KEY } from './harness.ts';

let database: TestDatabase;
let worker: QueueWorker;
let internet: Internet;
let world: Awaited<ReturnType<typeof demoWorld>>;
const JANE = 'jane.smith@care.example';
const keyring = [TEST_SERVICE_KEY];

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  ({ worker, internet } = await mailWorld(database.db));
});
after(async () => {
  await internet.close();
  await database.close();
});

async function compose(o: { to: string | string[]; subject: string; text: string; attachments?: Array<{ filename: string; content: string | Buffer }> }) {
  return new MailComposer({ from: JANE, ...o }).compile().build();
}

async function send(raw: Buffer, to: string[], secure = testSecureOptions()) {
  return submitMessage(database.db, await accountId(database.db, JANE), raw, { from: JANE, recipients: to }, { localDomains: DOMAINS, saveToSent: true, secure });
}

test('[secure] to an outside address: the notification carries no content; code, read, attachment and reply work', async () => {
  const raw = await compose({ to: ['pat@outside.example', 'amara.okafor@care.example'], subject: '[secure] results', text: 'Potassium 5.9, please repeat.', attachments: [{ filename: 'results.csv', content: 'test,value\nK,5.9\n' }] });
  await send(raw, ['pat@outside.example', 'amara.okafor@care.example']);
  await worker.drain();
  const [notice] = await receivedBy(internet, 'pat@outside.example');
  assert.ok(notice, 'a notification reached the outside server');
  const all = notice.raw.toString();
  assert.doesNotMatch(all, /Potassium|results\.csv|K,5\.9|\[secure\] results/);
  assert.match(notice.parsed.subject ?? '', /has sent you a secure email/);
  assert.match(all, /DKIM-Signature: .*d=care\.example/s, 'notifications are DKIM-signed as the service');
  // The service recipient got it normally.
  const amara = await inboxOf(database.db, 'amara.okafor@care.example');
  assert.match(amara.messages[0].parsed.text ?? '', /Potassium/);

  const token = linkIn(notice.parsed.text ?? '');
  const target = (await findByLinkToken(database.db, token))!;
  assert.equal(target.state, 'readable');
  assert.equal(target.recipient, 'pat@outside.example');
  const sent = await sendAccessCode(database.db, target.id, { localDomains: DOMAINS });
  assert.deepEqual(sent, { sent: true, to: 'pat@outside.example' });
  await worker.drain();
  const codeMail = (await receivedBy(internet, 'pat@outside.example')).at(-1)!;
  const code = codeIn(codeMail.parsed.text ?? '');
  const wrong = code === '000000' ? '111111' : '000000';
  assert.deepEqual(await verifyAccessCode(database.db, target.id, wrong), { ok: false, reason: 'wrong', triesLeft: 4 });
  const ok = await verifyAccessCode(database.db, target.id, code);
  assert.equal(ok.ok, true);
  assert.equal((await verifyAccessCode(database.db, target.id, code)).ok, false, 'a code works once');
  assert.ok(ok.ok && (await readerMayRead(database.db, target.id, ok.sessionToken)));

  const message = await readSecureMessage(database.db, target.id, keyring);
  assert.equal(message.subject, 'results');
  assert.match(message.text, /Potassium 5\.9/);
  assert.deepEqual(message.attachments.map((a) => a.filename), ['results.csv']);
  const file = (await secureAttachment(database.db, target.id, 0, keyring))!;
  assert.equal(file.content.toString(), 'test,value\nK,5.9\n');

  await replyToSender(database.db, target.id, 'Thank you, will repeat tomorrow.', keyring, { localDomains: DOMAINS });
  await worker.drain();
  const inbox = await inboxOf(database.db, JANE);
  const reply = inbox.messages.find((m) => /Re: results/.test(m.parsed.subject ?? ''))!;
  assert.ok(reply, 'the reply is in the sender\'s INBOX');
  assert.match(reply.parsed.text ?? '', /will repeat tomorrow/);
  assert.equal(reply.parsed.from?.value[0].address, 'pat@outside.example');
  assert.equal(internet.received.filter((r) => r.raw.toString().includes('will repeat tomorrow')).length, 0, 'the reply never left the service');

  await forwardIntoService(database.db, target.id, 'jonathan.smith@care.example', 'For your clinic.', keyring, { localDomains: DOMAINS });
  await assert.rejects(forwardIntoService(database.db, target.id, 'friend@outside.example', 'x', keyring, { localDomains: DOMAINS }), /only to addresses on Caremail/);
  await worker.drain();
  assert.equal((await inboxOf(database.db, 'jonathan.smith@care.example')).messages[0].parsed.subject, 'Fwd: results');

  const list = await listSentSecureMessages(database.db, await accountId(database.db, JANE), keyring);
  assert.equal(list[0].subject, 'results');
  assert.ok(list[0].firstReadAt, 'the sender sees it was read');
  assert.equal(list[0].replies, 1);
});

test('five wrong codes use up the code; a new code can be sent', async () => {
  const raw = await compose({ to: 'kim@outside.example', subject: 'Notes [SECURE]', text: 'x' });
  await send(raw, ['kim@outside.example']);
  await worker.drain();
  const token = linkIn((await receivedBy(internet, 'kim@outside.example'))[0].parsed.text ?? '');
  const { id } = (await findByLinkToken(database.db, token))!;
  await sendAccessCode(database.db, id, { localDomains: DOMAINS });
  await worker.drain();
  const code = codeIn((await receivedBy(internet, 'kim@outside.example')).at(-1)!.parsed.text ?? '');
  const wrong = code === '123456' ? '654321' : '123456';
  for (let i = 0; i < 4; i++) assert.equal((await verifyAccessCode(database.db, id, wrong)).ok, false);
  assert.deepEqual(await verifyAccessCode(database.db, id, wrong), { ok: false, reason: 'too-many-tries', triesLeft: 0 });
  assert.deepEqual(await verifyAccessCode(database.db, id, code), { ok: false, reason: 'too-many-tries', triesLeft: 0 }, 'even the right code is refused now');
  await sendAccessCode(database.db, id, { localDomains: DOMAINS });
  await worker.drain();
  const fresh = codeIn((await receivedBy(internet, 'kim@outside.example')).at(-1)!.parsed.text ?? '');
  assert.equal((await verifyAccessCode(database.db, id, fresh)).ok, true);
});

test('a code older than 10 minutes is refused', async () => {
  const raw = await compose({ to: 'old@outside.example', subject: '[secure] x', text: 'x' });
  await send(raw, ['old@outside.example']);
  await worker.drain();
  const { id } = (await findByLinkToken(database.db, linkIn((await receivedBy(internet, 'old@outside.example'))[0].parsed.text ?? '')))!;
  const t0 = new Date();
  await sendAccessCode(database.db, id, { localDomains: DOMAINS, now: t0 });
  await worker.drain();
  const code = codeIn((await receivedBy(internet, 'old@outside.example')).at(-1)!.parsed.text ?? '');
  assert.deepEqual(await verifyAccessCode(database.db, id, code, new Date(t0.getTime() + 10 * 60_000 + 1)), { ok: false, reason: 'expired', triesLeft: 0 });
});

test('revoking erases the message and ends reading; expiry does the same', async () => {
  const raw = await compose({ to: ['rev@outside.example', 'exp@outside.example'], subject: '[secure] to withdraw', text: 'Withdraw me' });
  await send(raw, ['rev@outside.example', 'exp@outside.example']);
  await worker.drain();
  const rev = (await findByLinkToken(database.db, linkIn((await receivedBy(internet, 'rev@outside.example'))[0].parsed.text ?? '')))!;
  const exp = (await findByLinkToken(database.db, linkIn((await receivedBy(internet, 'exp@outside.example'))[0].parsed.text ?? '')))!;
  const jane = await accountId(database.db, JANE);
  await assert.rejects(revokeSecureMessage(database.db, await accountId(database.db, 'amara.okafor@care.example'), rev.id), /did not send it/);
  await revokeSecureMessage(database.db, jane, rev.id);
  const row = await database.db.selectFrom('secure_messages').select(['sealed_message', 'revoked_at']).where('id', '=', rev.id).executeTakeFirstOrThrow();
  assert.equal(row.sealed_message, null, 'the sealed message is erased, not flagged');
  assert.equal((await sendAccessCode(database.db, rev.id, { localDomains: DOMAINS })).sent, false);

  await sql`update secure_messages set expires_at = now() - interval '1 minute' where id = ${exp.id}`.execute(database.db);
  assert.equal((await findByLinkToken(database.db, linkIn((await receivedBy(internet, 'exp@outside.example'))[0].parsed.text ?? '')))!.state, 'expired');
  assert.equal(await eraseExpiredSecureMessages(database.db), 1);
  const states = (await listSentSecureMessages(database.db, jane, keyring)).filter((m) => m.subject === 'to withdraw').map((m) => m.state).sort();
  assert.deepEqual(states, ['expired', 'revoked']);
});

test('patient data to an outside address without [secure] is stopped with the explanation; inside and accredited recipients are not checked', async () => {
  const nhs = formatNhsNumber(generateValidNhsNumber());
  const raw = await compose({ to: 'gp@outside.example', subject: 'Referral', text: `Patient NHS number ${nhs}.` });
  const before = internet.received.length;
  await assert.rejects(send(raw, ['gp@outside.example']), (err: unknown) => {
    assert.ok(err instanceof OutboundPolicyRefused);
    assert.equal(err.code, 'patient_data');
    assert.match(err.message, /Add \[secure\] to the subject line/);
    assert.match(err.message, /gp@outside\.example/);
    return true;
  });
  await worker.drain();
  assert.equal(internet.received.length, before, 'nothing left the service');
  assert.equal((await database.db.selectFrom('mail_queue').select('id').execute()).length, 0);

  await addAccreditedDomain(database.db, { domain: 'trust.example', organisation: 'Trust', accreditedUntil: '' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'cli' });
  await send(await compose({ to: ['amara.okafor@care.example'], subject: 'Referral', text: `NHS ${nhs}` }), ['amara.okafor@care.example', 'ward@trust.example']);
  assert.equal((await database.db.selectFrom('mail_queue').select('id').where('kind', '=', 'remote').execute()).length, 1, 'accredited recipient queued in clear');
  await sql`delete from mail_queue`.execute(database.db);
});

test('with the encrypt setting, patient data to an outside address is encrypted instead', async () => {
  const nhs = formatNhsNumber(generateValidNhsNumber());
  const raw = await compose({ to: 'auto@outside.example', subject: 'Referral', text: `NHS ${nhs}` });
  await send(raw, ['auto@outside.example'], testSecureOptions({ onPatientData: 'encrypt' }));
  await worker.drain();
  const [notice] = await receivedBy(internet, 'auto@outside.example');
  assert.ok(!notice.raw.toString().includes(nhs));
  const row = await database.db.selectFrom('secure_messages').select('reason').where('recipient_address', '=', 'auto@outside.example').executeTakeFirstOrThrow();
  assert.equal(row.reason, 'patient-data-encrypt');
});

test('an organisation can require LA approval before its users send encrypted mail', async () => {
  const la = await world.actorFor('alex.morgan@care.example');
  const rxn = await world.orgId('RXN');
  await setApprovalRequired(database.db, rxn, true, { actor: la, frontDoor: 'portal' });
  const sender = 'jonathan.smith@care.example';
  const raw = new MailComposer({ from: sender, to: 'x@outside.example', subject: '[secure] hi', text: 'x' }).compile();
  const bytes = await raw.build();
  const id = await accountId(database.db, sender);
  const submit = () => submitMessage(database.db, id, bytes, { from: sender, recipients: ['x@outside.example'] }, { localDomains: DOMAINS, secure: testSecureOptions() });
  await assert.rejects(submit(), (e: unknown) => e instanceof OutboundPolicyRefused && e.code === 'encryption_not_approved');
  await setSenderApproved(database.db, id, true, { actor: la, frontDoor: 'portal' });
  await submit();
  // Without the secure options nothing that needs sealing goes out.
  await assert.rejects(submitMessage(database.db, id, bytes, { from: sender, recipients: ['x@outside.example'] }, { localDomains: DOMAINS }), (e: unknown) => e instanceof OutboundPolicyRefused && e.code === 'encryption_unavailable');
});
