import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testSettings } from '../../src/config/settings.ts';
import { createApiKey } from '../../src/directory/api-keys.ts';
import { lifecyclePolicy } from '../../src/directory/lifecycle.ts';
import { reportCsv, runReport } from '../../src/directory/reports.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { portalWorld } from '../helpers/portal-world.ts';
import { PortalClient } from '../helpers/portal.ts';

const policy = lifecyclePolicy(testSettings());

const t = portalWorld();

describe('reports', () => {
  test('the mailbox report covers the organisation and those below it, with ExternalSyncID, and as CSV', async () => {
    await t.database.db.updateTable('accounts').set({ external_sync_id: 'ESR-77' }).where('email', '=', 'jonathan.smith@care.example').execute();
    const r = await runReport(t.database.db, await t.world.actorFor('sam.taylor@care.example'), await t.world.orgId('RXN'), 'mailboxes', policy);
    assert.deepEqual(r.rows.map((x) => x.email).sort(), ['alex.morgan@care.example', 'jane.smith@care.example', 'jonathan.smith@care.example', 'sam.taylor@care.example']);
    const csv = reportCsv(r).split('\n');
    assert.equal(csv[0], 'Address,Display name,Organisation,Type,Status,Quota used,ExternalSyncID');
    assert.ok(csv.some((l) => l.startsWith('jonathan.smith@care.example,') && l.endsWith(',ESR-77')));
  });

  test('MFA status flags administrators; leavers and locked list their accounts', async () => {
    const ga = await t.world.actorFor('priya.patel@care.example');
    const mfa = await runReport(t.database.db, ga, await t.world.orgId('RXN'), 'mfa', policy);
    const alex = mfa.rows.find((x) => x.email === 'alex.morgan@care.example')!;
    assert.equal(alex.administrator, 'Yes');
    assert.equal(mfa.rows.find((x) => x.email === 'jane.smith@care.example')!.administrator, 'No');
    await t.database.db.updateTable('accounts').set({ status: 'locked' }).where('email', '=', 'jane.smith@care.example').execute();
    assert.deepEqual((await runReport(t.database.db, ga, await t.world.orgId('X26'), 'locked', policy)).rows.map((x) => x.email), ['jane.smith@care.example']);
  });

  test('a GP-practice user or LA of a sibling cannot read the trust reports', async () => {
    await assert.rejects(runReport(t.database.db, await t.world.actorFor('amara.okafor@care.example'), await t.world.orgId('RXN'), 'mailboxes', policy), NotAllowedError);
    await assert.rejects(runReport(t.database.db, await t.world.actorFor('nadia.shah@care.example'), await t.world.orgId('RXN'), 'mailboxes', policy), NotAllowedError);
  });

  test("a closed organisation's accounts still to move are shown to its LAs and its parent's", async () => {
    await t.database.db.updateTable('organisations').set({ status: 'closed' }).where('code', '=', 'RXN02').execute();
    for (const email of ['sam.taylor@care.example', 'priya.patel@care.example']) {
      const r = await runReport(t.database.db, await t.world.actorFor(email), await t.world.orgId('RXN'), 'to-move', policy);
      assert.deepEqual(r.rows.map((x) => x.email), ['jane.smith@care.example'], email);
    }
    const c = new PortalClient(t.app);
    await c.signIn('alex.morgan@care.example');
    const page = await c.get('/admin/organisations/RXN02/reports/to-move');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /jane\.smith@care\.example/);
    const csv = await c.get('/admin/organisations/RXN/reports/to-move?format=csv');
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.match(csv.body, /jane\.smith@care\.example/);
  });

  test('the same report over the API, as CSV', async () => {
    const { token } = await createApiKey(t.database.db, { organisationId: await t.world.orgId('RXN'), name: 'Reports' }, { actor: await t.world.actorFor('alex.morgan@care.example'), frontDoor: 'portal' });
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/organisations/RXN/reports/mailboxes?format=csv', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^Address,Display name/);
    const sibling = await t.app.inject({ method: 'GET', url: '/api/v1/organisations/B82001/reports/mailboxes', headers: { authorization: `Bearer ${token}` } });
    assert.equal(sibling.statusCode, 403);
  });
});
