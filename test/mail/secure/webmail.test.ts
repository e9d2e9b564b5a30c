import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import { PortalClient, testPortal } from '../../helpers/portal.ts';
import { addAccreditedDomain } from '../../../src/mail/secure/accredited-domains.ts';

/** Webmail sends through the same submission path: the patient-data stop is shown on the page, [secure] is sealed. */
const SECURE = { messageKey: Buffer.alloc(32, 4).toString('base64'), messageDays: 90, patientDataAction: 'stop' as const, trustedRelays: [] };
let database: TestDatabase;
let app: FastifyInstance;
let world: Awaited<ReturnType<typeof demoWorld>>;

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database, { secure: SECURE, publicUrl: 'http://portal.test' });
});
after(async () => {
  await app.close();
  await database.close();
});

async function compose(c: PortalClient, to: string, subject: string, body: string) {
  await c.get('/mail/compose');
  return c.post('/mail/compose', { to, cc: '', bcc: '', subject, body, action: 'send', confirmed: 'yes' });
}

test('webmail: patient data to an outside address is stopped with the explanation; [secure] goes as a secure message', async () => {
  const c = new PortalClient(app);
  await c.signIn('jane.smith@care.example');
  let res = await compose(c, 'gp@outside.example', 'Referral', 'NHS number 943 476 5919, please see.');
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /Your email has not been sent/);
  assert.match(res.body, /Add \[secure\] to the subject line/);
  assert.equal((await database.db.selectFrom('mail_queue').select('id').execute()).length, 0);

  res = await compose(c, 'gp@outside.example', '[secure] Referral', 'NHS number 943 476 5919, please see.');
  assert.equal(res.statusCode, 303);
  const rows = await database.db.selectFrom('secure_messages').select(['recipient_address', 'reason']).execute();
  assert.deepEqual(rows, [{ recipient_address: 'gp@outside.example', reason: 'secure-subject' }]);
});

test('webmail labels recipients from the accredited list', async () => {
  await addAccreditedDomain(database.db, { domain: 'trust.example', organisation: 'A Trust', accreditedUntil: '' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'cli' });
  const c = new PortalClient(app);
  await c.signIn('jane.smith@care.example');
  await c.get('/mail/compose');
  const res = await c.post('/mail/compose', { to: 'ward@trust.example, x@outside.example', cc: '', bcc: '', subject: 'Rota', body: 'hi', action: 'send' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /ward@trust\.example[\s\S]*Accredited secure/);
});
