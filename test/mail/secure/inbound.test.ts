import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import nodemailer from 'nodemailer';
import { dkimSign } from 'mailauth';
import type { SMTPServer } from 'smtp-server';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { createMxServer } from '../../../src/mail/smtp/mx.ts';
import { addKnownSender, spoofingReport, spoofingReportCsv } from '../../../src/mail/secure/spoofing.ts';
import { setAlertLevel } from '../../../src/mail/secure/national-settings.ts';
import { addAccreditedDomain } from '../../../src/mail/secure/accredited-domains.ts';
import { isTrustedRelay } from '../../../src/mail/secure/inbound-auth.ts';
import { closeServer, listenOnFreePort, testTls } from '../smtp/setup.ts';
import type { QueueWorker } from '../../../src/mail/queue/worker.ts';
import type { Internet } from '../delivery/helpers.ts';
import { DOMAINS, inboxOf, mailWorld, testSecureOptions } from './harness.ts';

/**
 * The MX with secure messaging on, against a stub DNS: care.example publishes
 * SPF for 192.0.2.10 only, a DKIM key (selector s1) and DMARC p=reject;
 * partner.example publishes SPF for 127.0.0.1 and its own DKIM key.
 */
const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const ours = keyPair();
const partner = keyPair();
const attacker = keyPair();
const dns: Record<string, string[][]> = {
  'care.example': [['v=spf1 ip4:192.0.2.10 -all']],
  's1._domainkey.care.example': [[`v=DKIM1; k=rsa; p=${ours.publicKey.toString('base64')}`]],
  '_dmarc.care.example': [['v=DMARC1; p=reject; adkim=s; aspf=s']],
  'partner.example': [['v=spf1 ip4:127.0.0.1 -all']],
  'p1._domainkey.partner.example': [[`v=DKIM1; k=rsa; p=${partner.publicKey.toString('base64')}`]],
};
const resolver = async (name: string, type: string) => {
  const v = type === 'TXT' ? dns[name.toLowerCase()] : undefined;
  if (!v) throw Object.assign(new Error(`no ${type} for ${name}`), { code: type === 'TXT' ? 'ENOTFOUND' : 'ENODATA' });
  return v;
};

let database: TestDatabase;
let mx: SMTPServer;
let port: number;
let worker: QueueWorker;
let internet: Internet;
let world: Awaited<ReturnType<typeof demoWorld>>;

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  ({ worker, internet } = await mailWorld(database.db));
  mx = createMxServer({ db: database.db, localDomains: DOMAINS, hostname: 'mail.care.example', tls: testTls(), secure: testSecureOptions({ resolver }) });
  port = await listenOnFreePort(mx);
});
after(async () => {
  await closeServer(mx);
  await internet.close();
  await database.close();
});

async function signed(raw: string, domain: string, selector: string, privateKey: string): Promise<Buffer> {
  // mailauth's type file describes an older option shape; the library takes signatureData.
  const options = { canonicalization: 'relaxed/relaxed', signatureData: [{ signingDomain: domain, selector, privateKey }] } as unknown as Parameters<typeof dkimSign>[1];
  const r = await dkimSign(Buffer.from(raw), options);
  return Buffer.concat([Buffer.from(r.signatures), Buffer.from(raw)]);
}

const message = (from: string, subject: string, extra = '') =>
  `From: ${from}\r\nTo: jane.smith@care.example\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@x>\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from ${from}.\r\n`;

async function deliver(mailFrom: string, raw: Buffer) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mail.sender.example' });
  try {
    return await t.sendMail({ envelope: { from: mailFrom, to: ['jane.smith@care.example'] }, raw });
  } finally {
    t.close();
  }
}

test('mail claiming a service domain with a forged DKIM signature and failing SPF is refused at DATA as anti-spoofing, and recorded', async () => {
  await addKnownSender(database.db, { organisation: 'Loopback Health Ltd', match: '127.0.0.0/8' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'cli' });
  const forged = await signed(message('Chief Executive <ceo@care.example>', 'Urgent payment'), 'care.example', 's1', attacker.privateKey);
  await assert.rejects(deliver('ceo@care.example', forged), (err: { responseCode?: number; response?: string }) => {
    assert.equal(err.responseCode, 550);
    assert.match(err.response ?? '', /anti-spoofing/);
    return true;
  });
  const rows = await database.db.selectFrom('secure_spoof_attempts').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].claimed_from, 'ceo@care.example');
  assert.equal(rows[0].ip, '127.0.0.1');
  assert.equal(rows[0].organisation, 'Loopback Health Ltd');
  assert.match(rows[0].results, /dkim=fail/);
  assert.match(rows[0].results, /spf=fail/);
  const report = await spoofingReport(database.db);
  assert.equal(report.sources[0].total, 1);
  assert.equal(report.sources[0].weekly.at(-1), 1);
  assert.match(spoofingReportCsv(report), /^rank,organisation,sending_host,ip,total,week_of_/);
  assert.match(spoofingReportCsv(report), /\n1,Loopback Health Ltd,/);
});

test('loopback is not trusted by default: an unsigned message claiming the service domain is refused', async () => {
  await assert.rejects(deliver('it@care.example', Buffer.from(message('it@care.example', 'Password reset'))), /anti-spoofing/);
  assert.equal(isTrustedRelay('127.0.0.1', []), false);
  assert.equal(isTrustedRelay('::ffff:10.1.2.3', ['10.0.0.0/8']), true);
});

test('aligned mail (signed with the service domain\'s published key) passes, with the results in Authentication-Results', async () => {
  const good = await signed(message('alerts@care.example', 'Rota'), 'care.example', 's1', ours.privateKey);
  await deliver('alerts@care.example', good);
  await worker.drain();
  const inbox = await inboxOf(database.db, 'jane.smith@care.example');
  const m = inbox.messages.find((x) => x.parsed.subject === 'Rota')!;
  assert.match(m.raw.toString(), /Authentication-Results: mail\.care\.example;[\s\S]*dkim=pass/);
});

test('outside mail gets Authentication-Results (a forged one is dropped) and the outside banner, at the bottom (Reduced) or top (High)', async () => {
  const forgedAr = 'Authentication-Results: mail.care.example; dkim=pass header.d=partner.example\r\n';
  await deliver('news@partner.example', await signed(message('news@partner.example', 'Newsletter', forgedAr), 'partner.example', 'p1', partner.privateKey));
  await worker.drain();
  let m = (await inboxOf(database.db, 'jane.smith@care.example')).messages.find((x) => x.parsed.subject === 'Newsletter')!;
  const raw = m.raw.toString();
  assert.equal(raw.match(/Authentication-Results: mail\.care\.example/g)?.length, 1, 'only our own results header');
  assert.match(raw, /dkim=pass header\.i=@partner\.example/);
  assert.match(raw, /spf=pass/);
  const text = m.parsed.text ?? '';
  assert.ok(text.indexOf('originated from outside Caremail') > text.indexOf('Hello from'), 'banner at the bottom when Reduced');

  await setAlertLevel(database.db, 'high', { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'cli' });
  await deliver('news@partner.example', await signed(message('news@partner.example', 'Newsletter 2'), 'partner.example', 'p1', partner.privateKey));
  await worker.drain();
  m = (await inboxOf(database.db, 'jane.smith@care.example')).messages.find((x) => x.parsed.subject === 'Newsletter 2')!;
  const t2 = m.parsed.text ?? '';
  assert.ok(t2.indexOf('originated from outside Caremail') < t2.indexOf('Hello from'), 'banner at the top when High');

  // Accredited senders get no banner.
  await addAccreditedDomain(database.db, { domain: 'partner.example', organisation: 'Partner Trust', accreditedUntil: '' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'cli' });
  await deliver('news@partner.example', await signed(message('news@partner.example', 'Newsletter 3'), 'partner.example', 'p1', partner.privateKey));
  await worker.drain();
  m = (await inboxOf(database.db, 'jane.smith@care.example')).messages.find((x) => x.parsed.subject === 'Newsletter 3')!;
  assert.doesNotMatch(m.parsed.text ?? '', /originated from outside/);
});

test('a trusted relay is judged by the client it names: a spoof relayed from 203.0.113.5 is refused and recorded with that address', async () => {
  const relayed = createMxServer({ db: database.db, localDomains: DOMAINS, hostname: 'mail.care.example', tls: testTls(), secure: testSecureOptions({ resolver, trustedRelays: ['127.0.0.0/8'] }) });
  const relayPort = await listenOnFreePort(relayed);
  try {
    const received = 'Received: from attacker.example (attacker.example [203.0.113.5])\r\n\tby gateway.care.example with ESMTP id 1; Sat, 21 Nov 2026 06:00:00 +0000\r\n';
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: relayPort, secure: false, ignoreTLS: true, name: 'gateway.care.example' });
    await assert.rejects(t.sendMail({ envelope: { from: 'payroll@care.example', to: ['jane.smith@care.example'] }, raw: Buffer.from(received + message('payroll@care.example', 'Bank details')) }), /anti-spoofing/);
    t.close();
    const row = await database.db.selectFrom('secure_spoof_attempts').selectAll().where('claimed_from', '=', 'payroll@care.example').executeTakeFirstOrThrow();
    assert.equal(row.ip, '203.0.113.5');
  } finally {
    await closeServer(relayed);
  }
});
