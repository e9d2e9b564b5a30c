import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import type { SMTPServer } from 'smtp-server';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { DEMO_PASSWORD } from '../../../src/demo/world.ts';
import { createSubmissionServer } from '../../../src/mail/smtp/submission.ts';
import { setQuota } from '../../../src/mail/store/index.ts';
import { RawSmtp } from './raw-client.ts';
import { closeServer, listenOnFreePort, testTls } from './setup.ts';

const run = promisify(execFile);
let database: TestDatabase;
let starttls: SMTPServer;
let implicit: SMTPServer;
let port: number;
let tlsPort: number;

const options = () => ({ db: database.db, localDomains: ['care.example'], hostname: 'mail.care.example', tls: testTls(), demoMode: true });
const queuedFor = async (from: string) =>
  (await database.db.selectFrom('mail_queue').select(['kind', 'recipients', 'origin']).where('mail_from', '=', from).orderBy('id').execute());
const accountId = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  starttls = createSubmissionServer({ ...options(), implicitTls: false });
  implicit = createSubmissionServer({ ...options(), implicitTls: true });
  port = await listenOnFreePort(starttls);
  tlsPort = await listenOnFreePort(implicit);
});
after(async () => {
  if (starttls) await closeServer(starttls);
  if (implicit) await closeServer(implicit);
  await database?.close();
});

test('AUTH is not offered or accepted before TLS; MAIL without AUTH is refused', async () => {
  const c = await RawSmtp.open(port);
  const ehlo = await c.send('EHLO laptop');
  assert.match(ehlo, /STARTTLS/);
  assert.doesNotMatch(ehlo, /AUTH/);
  assert.match(await c.send(`AUTH PLAIN ${Buffer.from(`\0jane.smith@care.example\0${DEMO_PASSWORD}`).toString('base64')}`), /^538/);
  assert.match(await c.send('MAIL FROM:<jane.smith@care.example>'), /^530 Sign in first/);
  c.close();
});

test("python's smtplib sees STARTTLS but no AUTH before TLS, AUTH PLAIN LOGIN after it, and 538 to AUTH sent too early", async () => {
  const script = `
import smtplib, ssl, sys, base64
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:
    code, before = s.ehlo('laptop')
    print('BEFORE', before.decode().replace('\\n', '|'))
    code, text = s.docmd('AUTH', 'PLAIN ' + base64.b64encode(b'\\0jane.smith@care.example\\0x').decode())
    print('EARLY', code)
    s.starttls(context=ctx)
    code, after = s.ehlo('laptop')
    print('AFTER', after.decode().replace('\\n', '|'))
`;
  const { stdout } = await run('python3', ['-c', script, String(port)]);
  const line = (tag: string) => stdout.split('\n').find((l) => l.startsWith(tag))!.split('|');
  assert.ok(line('BEFORE').includes('STARTTLS'), stdout);
  assert.ok(!line('BEFORE').some((l) => /^AUTH/.test(l)), stdout);
  assert.match(stdout, /EARLY 538/);
  assert.ok(line('AFTER').includes('AUTH PLAIN LOGIN'), stdout);
  assert.ok(!line('AFTER').includes('STARTTLS'), stdout);
});

test('implicit TLS (465) lists AUTH in the first EHLO', async () => {
  const script = `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP_SSL('127.0.0.1', int(sys.argv[1]), timeout=20, context=ctx) as s:
    code, text = s.ehlo('laptop')
    print(text.decode().replace('\\n', '|'))
`;
  const { stdout } = await run('python3', ['-c', script, String(tlsPort)]);
  assert.ok(stdout.trim().split('|').includes('AUTH PLAIN LOGIN'), stdout);
});

test("python's smtplib signs in after STARTTLS and sends inside and outside the service", async () => {
  const script = `
import smtplib, ssl, sys
from email.message import EmailMessage
m = EmailMessage()
m['From'] = 'jane.smith@care.example'
m['To'] = 'amara.okafor@care.example, someone@partner.example'
m['Subject'] = 'Visit tomorrow'
m.set_content('See you at ten.')
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20) as s:
    s.starttls(context=ctx)
    s.login('jane.smith@care.example', sys.argv[2])
    s.send_message(m)
print('sent')
`;
  const { stdout } = await run('python3', ['-c', script, String(port), DEMO_PASSWORD]);
  assert.match(stdout, /sent/);
  const rows = await queuedFor('jane.smith@care.example');
  assert.deepEqual(rows.map((r) => [r.kind, r.recipients, r.origin]), [
    ['local', ['amara.okafor@care.example'], 'submission'],
    ['remote', ['someone@partner.example'], 'submission'],
  ]);
});

test('swaks sends with AUTH LOGIN over STARTTLS', async () => {
  // .ci/run installs swaks from Debian; without it this test fails rather than hiding the gap.
  const { stdout } = await run('swaks', [
    '--server', '127.0.0.1', '--port', String(port), '--tls', '--auth', 'LOGIN', '--auth-user', 'tom.baker@care.example', '--auth-password', DEMO_PASSWORD,
    '--from', 'tom.baker@care.example', '--to', 'li.wei@care.example', '--header', 'Subject: Delivery round', '--body', 'Round at three.', '--timeout', '20',
  ]);
  assert.match(stdout, /250 Accepted and queued/);
  assert.equal((await queuedFor('tom.baker@care.example')).length, 1);
});

test('nodemailer sends over implicit TLS; a wrong password gets 535', async () => {
  const good = nodemailer.createTransport({ host: '127.0.0.1', port: tlsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'li.wei@care.example', pass: DEMO_PASSWORD } });
  const info = await good.sendMail({ from: 'li.wei@care.example', to: 'tom.baker@care.example', subject: 'Stock', text: 'In stock.' });
  assert.deepEqual(info.accepted, ['tom.baker@care.example']);
  good.close();
  const bad = nodemailer.createTransport({ host: '127.0.0.1', port: tlsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'li.wei@care.example', pass: 'wrong' } });
  await assert.rejects(bad.sendMail({ from: 'li.wei@care.example', to: 'tom.baker@care.example', text: 'x' }), (e: { responseCode?: number; response?: string }) => {
    assert.equal(e.responseCode, 535);
    assert.match(e.response ?? '', /email address or password is not right/);
    return true;
  });
  bad.close();
});

const janeTransport = () =>
  nodemailer.createTransport({ host: '127.0.0.1', port: tlsPort, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'jane.smith@care.example', pass: DEMO_PASSWORD } });

test('MAIL FROM and the From header must be the account or an alias it may send as', async () => {
  const t = janeTransport();
  await assert.rejects(t.sendMail({ envelope: { from: 'jonathan.smith@care.example', to: ['x@partner.example'] }, from: 'jonathan.smith@care.example', text: 'x' }), (e: { responseCode?: number; response?: string }) => {
    assert.equal(e.responseCode, 553);
    assert.match(e.response ?? '', /cannot send as jonathan\.smith@care\.example/);
    return true;
  });
  await assert.rejects(t.sendMail({ envelope: { from: 'jane.smith@care.example', to: ['x@partner.example'] }, from: 'ceo@care.example', text: 'x' }), /From line must be your own address/);
  const jane = await accountId('jane.smith@care.example');
  await database.db.insertInto('mail_addresses').values([
    { address: 'community.nursing@care.example', account_id: jane, kind: 'alias', reserved_until: null },
    { address: 'jane.old@care.example', account_id: jane, kind: 'alias', reserved_until: new Date(Date.now() + 86400_000) },
  ]).execute();
  const ok = await t.sendMail({ envelope: { from: 'community.nursing@care.example', to: ['x@partner.example'] }, from: 'community.nursing@care.example', text: 'x' });
  assert.equal(ok.accepted.length, 1);
  await assert.rejects(t.sendMail({ envelope: { from: 'jane.old@care.example', to: ['x@partner.example'] }, from: 'jane.old@care.example', text: 'x' }), /cannot send as jane\.old/, 'a receive-only alias cannot send');
  t.close();
});

test('an account over quota, or marked compromised, cannot send', async () => {
  const jane = await accountId('jane.smith@care.example');
  await setQuota(database.db, jane, 0);
  const t = janeTransport();
  await assert.rejects(t.sendMail({ from: 'jane.smith@care.example', to: 'x@partner.example', text: 'x' }), (e: { responseCode?: number; response?: string }) => {
    assert.equal(e.responseCode, 552);
    assert.match(e.response ?? '', /mailbox is full, so you cannot send/);
    return true;
  });
  await setQuota(database.db, jane, 4 * 1024 ** 3);
  const hasColumn = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_name = 'accounts' and column_name = 'sending_blocked'`.execute(database.db);
  if (hasColumn.rows[0].n) {
    await sql`update accounts set sending_blocked = true where id = ${jane}`.execute(database.db);
    await assert.rejects(t.sendMail({ from: 'jane.smith@care.example', to: 'x@partner.example', text: 'x' }), /may have been compromised/);
    await sql`update accounts set sending_blocked = false where id = ${jane}`.execute(database.db);
  }
  t.close();
});
