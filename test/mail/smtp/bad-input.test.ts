import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SMTPServer } from 'smtp-server';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { createMxServer } from '../../../src/mail/smtp/mx.ts';
import { QueueWorker } from '../../../src/mail/queue/worker.ts';
import { outboxNotifier } from '../../../src/notify/notifier.ts';
import { nodemailerDeliverer } from '../../../src/mail/delivery/remote.ts';
import { RawSmtp } from './raw-client.ts';
import { closeServer, listenOnFreePort, testTls } from './setup.ts';

let database: TestDatabase;
let server: SMTPServer;
let port: number;
let worker: QueueWorker;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  server = createMxServer({ db: database.db, localDomains: ['care.example'], hostname: 'mail.care.example', tls: testTls() });
  port = await listenOnFreePort(server);
  worker = new QueueWorker({
    db: database.db, localDomains: ['care.example'], hostname: 'mail.care.example', blockedExtensions: ['exe'], notifier: outboxNotifier(database.db),
    remote: nodemailerDeliverer({ heloName: 'mail.care.example', resolver: { resolveMx: async () => [] }, mxPort: 1, timeoutMs: 200 }),
  });
});
after(async () => {
  if (server) await closeServer(server);
  await database?.close();
});

async function send(body: string | Buffer, rcpt = 'jane.smith@care.example'): Promise<string> {
  const c = await RawSmtp.open(port);
  await c.send('EHLO fuzz.example');
  await c.send('MAIL FROM:<x@outside.example>');
  await c.send(`RCPT TO:<${rcpt}>`);
  await c.send('DATA');
  c.write(body);
  const r = await c.send('\r\n.');
  c.close();
  return r;
}

const count = async (table: 'mail_queue' | 'mail_messages') =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

test('malformed MIME, 8-bit headers, bare LF and huge headers are stored and delivered without a crash', async () => {
  const inputs = [
    'Content-Type: multipart/mixed; boundary="never"\r\nSubject: broken\r\n\r\n--never\r\nContent-Type: text/plain\r\n\r\nno end',
    'Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--',
    'Subject: Gr\xfc\xdfe aus K\xf6ln \xff\xfe\r\nFrom: \xe9\xe9 <a@b.c>\r\n\r\nbody',
    'Subject: bare\nFrom: x@y.z\n\nline one\nline two\n',
    `Subject: huge\r\nX-Long: ${'a'.repeat(200_000)}\r\n${Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\nbody`,
    'Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\n--x--',
    'Content-Type: application/octet-stream; name*0="in"; name*1="voice.exe"\r\nContent-Disposition: attachment; filename*=utf-8\'\'%E2%82%ACvil.exe\r\n\r\nTVqQ',
    '\r\n\r\n\r\n',
    'no headers at all',
  ];
  for (const body of inputs) assert.match(await send(Buffer.from(body, 'latin1')), /^250 /, body.slice(0, 40));
  await worker.drain();
  assert.equal(await count('mail_queue'), 0);
  assert.equal(await count('mail_messages'), inputs.length);
  const stored = await database.db.selectFrom('mail_messages').select(['subject', 'preview']).execute();
  assert.ok(stored.some((m) => m.subject === 'bare'));
});

test('1,000 recipients are accepted, the 1,001st gets 452; invalid addresses get a clear reply', async () => {
  const jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
  await database.db.insertInto('mail_addresses').values(Array.from({ length: 1000 }, (_, i) => ({ address: `team${i}@care.example`, account_id: jane, kind: 'alias' as const, reserved_until: null }))).execute();
  const c = await RawSmtp.open(port);
  await c.send('EHLO many.example');
  assert.match(await c.send('MAIL FROM:<not an address>'), /^5\d\d/);
  assert.match(await c.send('MAIL FROM:<list@outside.example>'), /^250/);
  assert.match(await c.send('RCPT TO:<a b@care.example>'), /^5\d\d/);
  assert.match(await c.send('RCPT TO:<@@care.example>'), /^5\d\d/);
  c.write(Array.from({ length: 1000 }, (_, i) => `RCPT TO:<team${i}@care.example>\r\n`).join(''));
  for (let i = 0; i < 1000; i++) assert.match(await c.reply(), /^250/);
  assert.match(await c.send('RCPT TO:<jane.smith@care.example>'), /^452 4\.5\.3 Too many recipients/);
  await c.send('DATA');
  assert.match(await c.send('Subject: to everyone\r\n\r\nhello\r\n.'), /^250 /);
  c.close();
  const before = await count('mail_messages');
  await worker.drain();
  assert.equal(await count('mail_messages'), before + 1, 'one account reached by 1,000 of its addresses gets one copy');
});

test('a client that disconnects mid-message, or never ends DATA, leaves nothing half-stored', async () => {
  const before = { q: await count('mail_queue'), m: await count('mail_messages'), b: await count('mail_messages') };
  for (const cut of ['Subject: cut\r\n\r\npartial body', 'Subject: cut\r\n\r\nends with a dot line\r\n.', 'Subject: x\r\n']) {
    const c = await RawSmtp.open(port);
    await c.send('EHLO gone.example');
    await c.send('MAIL FROM:<x@outside.example>');
    await c.send('RCPT TO:<jane.smith@care.example>');
    await c.send('DATA');
    c.write(cut);
    await new Promise((r) => setTimeout(r, 50));
    c.close();
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await count('mail_queue'), before.q);
  const c = await RawSmtp.open(port);
  assert.match(await c.send('EHLO still.alive'), /^250/);
  c.close();
  await worker.drain();
  assert.equal(await count('mail_messages'), before.m);
});
