import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readOutbox } from '../../src/notify/notifier.ts';
import { portalWorld } from '../helpers/portal-world.ts';
import { PortalClient } from '../helpers/portal.ts';
import { withDemoAuthenticator } from '../helpers/world.ts';

const t = portalWorld();

describe('People Finder in the Portal', () => {
  test('a user searches "jon smi" and sees Jonathan Smith with organisation and job title', async () => {
    const c = new PortalClient(t.app);
    await c.signIn('jane.smith@care.example');
    const res = await c.get('/people?name=jon+smi');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Smith, Jonathan \(NGH\)/);
    assert.match(res.body, /Consultant cardiologist · Northfield General Hospital \(RXN01\)/);
    assert.match(res.body, /1 result</);
  });

  test('an empty search asks for a name or filter; an organisation search shows LAs and helpdesk', async () => {
    const c = new PortalClient(t.app);
    await c.signIn('jane.smith@care.example');
    const bad = await c.get('/people?name=&organisation=');
    assert.equal(bad.statusCode, 200); // nothing searched yet: just the form
    const none = await c.get('/people?organisation=ZZZ');
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /There is no organisation with code ZZZ/);
    const orgs = await c.get('/people/organisations?q=northfield+general');
    assert.match(orgs.body, /0113 496 0000/);
    assert.match(orgs.body, /alex\.morgan@care\.example/);
  });

  test('signed-out visitors are sent to sign in', async () => {
    const res = await new PortalClient(t.app).get('/people?name=smith');
    assert.equal(res.statusCode, 303);
  });
});

describe('leaver and joiner in the Portal', () => {
  test('the trust LA marks Jane Smith as leaver; the GP-practice LA accepts her as a joiner', async () => {
    const jane = await t.idOf('jane.smith@care.example');
    await t.database.db.insertInto('account_roles').values({ account_id: await t.idOf('amara.okafor@care.example'), organisation_id: await t.world.orgId('B82001'), role: 'local_admin' }).execute();
    await withDemoAuthenticator(t.database.db, await t.idOf('amara.okafor@care.example')); // administrators must have an authenticator app

    const trust = new PortalClient(t.app);
    await trust.signIn('alex.morgan@care.example');
    const page = await trust.get(`/admin/accounts/${jane}`);
    assert.equal(page.statusCode, 200);
    const marked = await trust.post(`/admin/accounts/${jane}/leaver`, {});
    assert.equal(marked.statusCode, 303);
    const after = await trust.get(marked.headers.location as string);
    assert.match(after.body, /Active \(Leaver\)/);
    assert.equal((await readOutbox(t.database.db, { recipient: 'jane.smith@care.example', purpose: 'account_leaver' })).length, 1);

    const gp = new PortalClient(t.app);
    await gp.signIn('amara.okafor@care.example');
    // The GP LA cannot see or act on the trust's accounts.
    assert.equal((await gp.get(`/admin/accounts/${await t.idOf('jonathan.smith@care.example')}`)).statusCode, 403);
    const found = await gp.get('/admin/joiners?email=jane.smith%40care.example');
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /Riverside Community Hospital/);
    const accepted = await gp.post(`/admin/joiners/${jane}`, { email: 'jane.smith@care.example', organisationCode: 'B82001' });
    assert.equal(accepted.statusCode, 200, accepted.body.slice(0, 2000));
    assert.match(accepted.body, /Smith, Jane \(MEADOWLANE\) has joined Meadow Lane Surgery/);
    const acc = await t.database.db.selectFrom('accounts').select(['status', 'email']).where('id', '=', jane).executeTakeFirstOrThrow();
    assert.deepEqual(acc, { status: 'active', email: 'jane.smith@care.example' });
  });

  test('a trust LA cannot accept a leaver into the GP practice', async () => {
    const jon = await t.idOf('jonathan.smith@care.example');
    const trust = new PortalClient(t.app);
    await trust.signIn('alex.morgan@care.example');
    await trust.get(`/admin/accounts/${jon}`);
    await trust.post(`/admin/accounts/${jon}/leaver`, {});
    await trust.get('/admin/joiners?email=jonathan.smith%40care.example');
    const res = await trust.post(`/admin/joiners/${jon}`, { email: 'jonathan.smith@care.example', organisationCode: 'B82001' });
    assert.equal(res.statusCode, 403);
  });

  test('a disable date beyond 18 months is shown in the error summary', async () => {
    const li = await t.idOf('li.wei@care.example');
    const nas = new PortalClient(t.app);
    await nas.signIn('nadia.shah@care.example');
    await nas.get(`/admin/accounts/${li}`);
    const res = await nas.post(`/admin/accounts/${li}/disable`, { until: '2099-01-01' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /at most 548 days/);
  });
});
