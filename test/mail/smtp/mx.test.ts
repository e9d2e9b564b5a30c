import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { setQuota } from '../../../src/mail/store/index.ts';
import { RawSmtp } from './raw-client.ts';
import { mxServerForTests } from './setup.ts';

const t = mxServerForTests({ maxBytes: 64 * 1024 });

const queued = async () => t.database.db.selectFrom('mail_queue').select(['recipients', 'mail_from']).execute();

test('EHLO advertises SIZE, PIPELINING, 8BITMIME, SMTPUTF8 and STARTTLS, and no AUTH', async () => {
  const c = await RawSmtp.open(t.port);
  const ehlo = await c.send('EHLO client.example');
  for (const ext of ['SIZE 65536', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'STARTTLS']) assert.match(ehlo, new RegExp(`250[- ]${ext}`));
  assert.doesNotMatch(ehlo, /AUTH/);
  c.close();
});

test('no open relay: a recipient outside our domains is refused with 550, and nothing is queued', async () => {
  const before = (await queued()).length;
  const c = await RawSmtp.open(t.port);
  await c.send('EHLO spammer.example');
  assert.match(await c.send('MAIL FROM:<a@spammer.example>'), /^250/);
  const r = await c.send('RCPT TO:<victim@gmail.example>');
  assert.match(r, /^550 5\.7\.1 Relaying denied/);
  assert.match(await c.send('DATA'), /^503|^554/);
  c.close();
  assert.equal((await queued()).length, before);
});

test('an unknown local recipient gets 550 at RCPT with a clear text; a full mailbox gets 452', async () => {
  const sam = (await t.database.db.selectFrom('accounts').select('id').where('email', '=', 'sam.taylor@care.example').executeTakeFirstOrThrow()).id;
  await setQuota(t.database.db, sam, 0);
  const c = await RawSmtp.open(t.port);
  await c.send('EHLO x.example');
  await c.send('MAIL FROM:<a@x.example>');
  assert.match(await c.send('RCPT TO:<nobody.here@care.example>'), /^550 5\.1\.1 There is no mailbox nobody\.here@care\.example here/);
  assert.match(await c.send('RCPT TO:<sam.taylor@care.example>'), /^452 4\.2\.2 The mailbox sam\.taylor@care\.example is full/);
  c.close();
  await setQuota(t.database.db, sam, 4 * 1024 ** 3);
});

test('pipelined commands get their replies in order, and 250 comes only when the message is queued', async () => {
  const c = await RawSmtp.open(t.port);
  await c.send('EHLO x.example');
  c.write('MAIL FROM:<sender@outside.example>\r\nRCPT TO:<jane.smith@care.example>\r\nRCPT TO:<ghost@care.example>\r\nDATA\r\n');
  assert.match(await c.reply(), /^250/);
  assert.match(await c.reply(), /^250/);
  assert.match(await c.reply(), /^550/);
  assert.match(await c.reply(), /^354/);
  const r = await c.send('Subject: pipelined\r\n\r\nbody with a bare LF\nline\r\n.');
  assert.match(r, /^250 Accepted and stored as \d+/);
  c.close();
  const rows = await queued();
  assert.deepEqual(rows.at(-1), { recipients: ['jane.smith@care.example'], mail_from: 'sender@outside.example' });
});

test('SIZE past the limit is refused at MAIL, and an oversized DATA gets 552 with nothing stored', async () => {
  const before = (await queued()).length;
  const c = await RawSmtp.open(t.port);
  await c.send('EHLO x.example');
  assert.match(await c.send('MAIL FROM:<a@x.example> SIZE=99999999'), /^552/);
  await c.send('RSET');
  await c.send('MAIL FROM:<a@x.example>');
  await c.send('RCPT TO:<jane.smith@care.example>');
  await c.send('DATA');
  const big = 'x'.repeat(998) + '\r\n';
  c.write('Subject: big\r\n\r\n' + big.repeat(80));
  assert.match(await c.send('.'), /^552 5\.3\.4/);
  c.close();
  assert.equal((await queued()).length, before);
});

test('STARTTLS works, 8-bit and UTF-8 mail is accepted (nodemailer as the client)', async () => {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: t.port, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, name: 'client.example' });
  const info = await transport.sendMail({
    envelope: { from: 'zoë@outside.example', to: ['jane.smith@care.example'] },
    raw: Buffer.from('From: Zoë <zoë@outside.example>\r\nTo: jane.smith@care.example\r\nSubject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÜber die Station\r\n'),
  });
  assert.deepEqual(info.accepted, ['jane.smith@care.example']);
  transport.close();
});
