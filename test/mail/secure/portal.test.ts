import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import MailComposer from 'nodemailer/lib/mail-composer';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { PortalClient, testPortal } from '../../helpers/portal.ts';
import { testSettings } from '../../../src/config/settings.ts';
import { secureMailOptions } from '../../../src/mail/secure/options.ts';
import { submitMessage } from '../../../src/mail/delivery/submit.ts';
import { recordSpoofAttempt } from '../../../src/mail/secure/spoofing.ts';
import { classifyRecipient } from '../../../src/mail/secure/domain-class.ts';
import { loadClassifyContext } from '../../../src/mail/secure/accredited-domains.ts';
import { accountId, DOMAINS } from './harness.ts';

const SECURE = { messageKey: Buffer.alloc(32, 3).toString('base64'), messageDays: 90, patientDataAction: 'stop' as const, trustedRelays: [] };
let database: TestDatabase;
let app: FastifyInstance;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  app = await testPortal(database, { secure: SECURE, publicUrl: 'http://portal.test' });
});
after(async () => {
  await app.close();
  await database.close();
});

async function globalAdmin() {
  const c = new PortalClient(app);
  const res = await c.signIn('priya.patel@care.example');
  assert.equal(res.statusCode, 303);
  return c;
}

test('only a Global Admin reaches the secure-messaging administration', async () => {
  const la = new PortalClient(app);
  await la.signIn('alex.morgan@care.example');
  for (const url of ['/admin/secure', '/admin/secure/domains', '/admin/secure/spoofing', '/admin/secure/spoofing.csv', '/admin/secure/dns']) {
    assert.equal((await la.get(url)).statusCode, 403, url);
  }
});

test('accredited domains: add one, import a CSV (every bad row reported by line, nothing written), expired ones are not secure', async () => {
  const c = await globalAdmin();
  await c.get('/admin/secure/domains');
  let res = await c.post('/admin/secure/domains', { domain: '*.nhs.example', organisation: '', accreditedUntil: '31/12/2030' });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /There is a problem/);
  assert.match(res.body, /Enter the organisation that runs this domain/);
  res = await c.post('/admin/secure/domains', { domain: 'Trust.NHS.example', organisation: 'Northern Trust', accreditedUntil: '' });
  assert.equal(res.statusCode, 303);
  await c.get('/admin/secure/domains');
  assert.match(c.lastHtml, /trust\.nhs\.example/);

  res = await c.post('/admin/secure/domains/import', { csv: 'domain,organisation,accredited_until\ngood.example,Good Org,2030-01-01\nbad domain,X,\nold.example,,2020-13-01\n' });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /problems in the file\. Nothing was imported/);
  assert.match(res.body, /<td class="nhsuk-table__cell">3<\/td>/);
  assert.match(res.body, /<td class="nhsuk-table__cell">4<\/td>/);
  assert.equal((await database.db.selectFrom('secure_accredited_domains').select('domain').where('domain', '=', 'good.example').execute()).length, 0);

  await c.get('/admin/secure/domains');
  res = await c.post('/admin/secure/domains/import', { csv: 'domain,organisation,accredited_until\ngood.example,Good Org,2030-01-01\nlapsed.example,Lapsed Org,2020-01-01\n' });
  assert.equal(res.statusCode, 303);
  const ctx = await loadClassifyContext(database.db, DOMAINS);
  assert.equal(classifyRecipient('a@good.example', ctx), 'accredited');
  assert.equal(classifyRecipient('a@lapsed.example', ctx), 'non-secure');
  assert.equal(classifyRecipient('a@sub.good.example', ctx), 'non-secure');
  assert.equal(classifyRecipient('jane.smith@care.example', ctx), 'service');
  await c.get('/admin/secure/domains');
  assert.match(c.lastHtml, /lapsed\.example[\s\S]*?Expired/);
  const audit = await database.db.selectFrom('audit_events').select('action').where('action', 'like', 'secure.%').execute();
  assert.deepEqual(audit.map((a) => a.action).sort(), ['secure.accredited_domain.import', 'secure.accredited_domain.set']);
});

test('the alert level is a Global Admin setting kept in the database', async () => {
  const c = await globalAdmin();
  await c.get('/admin/secure');
  assert.match(c.lastHtml, /value="reduced" checked/);
  assert.equal((await c.post('/admin/secure/alert-level', { level: 'severe' })).statusCode, 400);
  assert.equal((await c.post('/admin/secure/alert-level', { level: 'high' })).statusCode, 303);
  await c.get('/admin/secure');
  assert.match(c.lastHtml, /value="high" checked/);
});

test('the spoofing report ranks sources with weekly counts, as a page and a CSV', async () => {
  const now = Date.now();
  for (let i = 0; i < 3; i++) await recordSpoofAttempt(database.db, { claimedFrom: 'ceo@care.example', mailFrom: 'x@bad.example', helo: 'mx.bad.example', clientHostname: 'mx.bad.example', ip: '203.0.113.9', results: 'dkim=fail', at: new Date(now - i * 7 * 86_400_000) });
  await recordSpoofAttempt(database.db, { claimedFrom: 'it@care.example', mailFrom: '', helo: 'relay.good.example', clientHostname: 'relay.good.example', ip: '198.51.100.7', results: 'spf=fail' });
  const c = await globalAdmin();
  await c.get('/admin/secure/spoofing');
  assert.match(c.lastHtml, /<td class="nhsuk-table__cell">1<\/td><td class="nhsuk-table__cell">Not known<\/td><td class="nhsuk-table__cell">mx\.bad\.example<\/td><td class="nhsuk-table__cell">203\.0\.113\.9<\/td><td class="nhsuk-table__cell">3<\/td>/);
  assert.match(c.lastHtml, /Good Org/, 'a host inside an accredited domain is named after its organisation');
  const csv = await c.get('/admin/secure/spoofing.csv');
  assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
  const lines = csv.body.trim().split('\r\n');
  assert.match(lines[1], /^1,,mx\.bad\.example,203\.0\.113\.9,3,(0,){5}1,1,1,ceo@care\.example,/);
  assert.match(lines[2], /^2,Good Org,relay\.good\.example,/);
});

test('the DNS page shows SPF, DKIM with the public key, DMARC and MX, and the check reports what is missing', async () => {
  await database.db.insertInto('mail_dkim_keys').values({ domain: 'care.example', selector: 'cm202611', private_key_pem: 'x', public_key_base64: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' }).execute();
  const c = await globalAdmin();
  await c.get('/admin/secure/dns');
  assert.match(c.lastHtml, /cm202611\._domainkey\.care\.example/);
  assert.match(c.lastHtml, /v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA/);
  assert.match(c.lastHtml, /v=spf1 mx -all/);
  assert.match(c.lastHtml, /_dmarc\.care\.example/);
  assert.match(c.lastHtml, /10 mail\.care\.example/);
  const res = await c.post('/admin/secure/dns/check', {});
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Missing|Not checked/);
});

test('the recipient\'s pages: an unknown link, an expired message; the sender\'s list and withdrawing', async () => {
  const settings = testSettings({ secure: SECURE, publicUrl: 'http://portal.test' });
  const jane = await accountId(database.db, 'jane.smith@care.example');
  const raw = await new MailComposer({ from: 'jane.smith@care.example', to: 'exp@outside.example', subject: '[secure] old news', text: 'x' }).compile().build();
  await submitMessage(database.db, jane, raw, { from: 'jane.smith@care.example', recipients: ['exp@outside.example', 'rev@outside.example'] }, { localDomains: DOMAINS, secure: secureMailOptions(settings) });
  const notices = await database.db.selectFrom('mail_queue').innerJoin('mail_blobs', 'mail_blobs.sha256', 'mail_queue.blob_sha256').select(['mail_queue.recipients', 'mail_blobs.raw']).where('mail_queue.kind', '=', 'remote').execute();
  const link = (to: string) => /portal\.test(\/secure\/m\/[A-Za-z0-9_-]+)/.exec(notices.find((n) => n.recipients.includes(to))!.raw.toString().replace(/=\r\n/g, ''))![1];

  const outsider = new PortalClient(app);
  assert.equal((await outsider.get('/secure/m/not-a-real-token-at-all-000000')).statusCode, 404);
  let res = await outsider.get(link('exp@outside.example'));
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /e\*\*\*@outside\.example/);
  assert.doesNotMatch(res.body, /old news/, 'nothing of the message before the code');
  await sql`update secure_messages set expires_at = now() - interval '1 second' where recipient_address = 'exp@outside.example'`.execute(database.db);
  res = await outsider.get(link('exp@outside.example'));
  assert.equal(res.statusCode, 410);
  assert.match(res.body, /This email has expired/);

  const c = new PortalClient(app);
  await c.signIn('jane.smith@care.example');
  await c.get('/secure/sent');
  assert.match(c.lastHtml, /old news/);
  assert.match(c.lastHtml, /Not read yet/);
  const id = (await database.db.selectFrom('secure_messages').select('id').where('recipient_address', '=', 'rev@outside.example').executeTakeFirstOrThrow()).id;
  const other = new PortalClient(app);
  await other.signIn('amara.okafor@care.example');
  await other.get('/secure/sent');
  assert.equal((await other.post(`/secure/sent/${id}/revoke`, {})).statusCode, 404, 'only the sender can withdraw it');
  assert.equal((await c.post(`/secure/sent/${id}/revoke`, {})).statusCode, 303);
  assert.equal((await outsider.get(link('rev@outside.example'))).statusCode, 410);
});

test('an LA requires approval for encrypted mail in their organisation and approves a person; another organisation\'s LA cannot', async () => {
  const la = new PortalClient(app);
  await la.signIn('alex.morgan@care.example');
  await la.get('/admin/organisations/RXN01/secure-senders');
  assert.match(la.lastHtml, /Who may send encrypted mail/);
  assert.equal((await la.post('/admin/organisations/RXN01/secure-senders/policy', { required: 'yes' })).statusCode, 303);
  const jonathan = await accountId(database.db, 'jonathan.smith@care.example');
  await la.get('/admin/organisations/RXN01/secure-senders');
  assert.equal((await la.post(`/admin/organisations/RXN01/secure-senders/${jonathan}`, { approve: 'yes' })).statusCode, 303);
  await la.get('/admin/organisations/RXN01/secure-senders');
  assert.match(la.lastHtml, /Yes, by alex\.morgan@care\.example/);
  const approvals = await database.db.selectFrom('secure_sender_approvals').select('account_id').execute();
  assert.deepEqual(approvals.map((a) => a.account_id), [jonathan]);
  const gp = new PortalClient(app);
  await gp.signIn('amara.okafor@care.example');
  assert.equal((await gp.get('/admin/organisations/RXN01/secure-senders')).statusCode, 403);
});
