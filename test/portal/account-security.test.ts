import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { createAccount } from '../../src/directory/accounts.ts';
import { createSession } from '../../src/identity/sessions.ts';
import { withSignInColumns } from '../../src/identity/sign-in-tables.ts';
import { withMfaColumns } from '../../src/identity/mfa/tables.ts';
import { verifyPassword } from '../../src/identity/verify-password.ts';
import { PASSWORD_MESSAGES } from '../../src/identity/policy/password-policy.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld, withDemoAuthenticator } from '../helpers/world.ts';

const squash = (html: string) => html.replace(/\s+/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"');

let database: TestDatabase;
let app: FastifyInstance;
let world: Awaited<ReturnType<typeof demoWorld>>;
before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database);
});
after(async () => {
  await app.close();
  await database.close();
});

const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

/** A client already signed in (the sign-in steps themselves are tested with the sign-in page). */
async function clientFor(email: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0') {
  const c = new PortalClient(app);
  const { token } = await createSession(database.db, await idOf(email), { userAgent, ip: '127.0.0.1' }, { idleMinutes: 30, maxHours: 12 });
  c.cookies.set('caremail_session', token);
  return c;
}
const portalCheck = (email: string, password: string) => verifyPassword(database.db, email, password, { frontDoor: 'portal', demoMode: true });

describe('changing a password at /account/password', () => {
  const email = 'jane.smith@care.example';

  test('each broken rule is shown with its message; a good password is accepted and the old one stops working', async () => {
    const c = await clientFor(email);
    await c.get('/account/password');
    let res = await c.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'jane smi', confirmPassword: 'jane smi' });
    assert.equal(res.statusCode, 400);
    const page = squash(res.body);
    for (const m of [PASSWORD_MESSAGES.too_short(10), PASSWORD_MESSAGES.has_space, PASSWORD_MESSAGES.contains_name]) assert.ok(page.includes(m), m);

    res = await c.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'password123', confirmPassword: 'password123' });
    assert.ok(squash(res.body).includes(PASSWORD_MESSAGES.common));

    res = await c.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'copper-kettle-lantern', confirmPassword: 'copper-kettle-lanterns' });
    assert.match(squash(res.body), /The passwords do not match/);

    res = await c.post('/account/password', { currentPassword: 'not-my-password', newPassword: 'copper-kettle-lantern', confirmPassword: 'copper-kettle-lantern' });
    assert.match(squash(res.body), /Your current password is not right/);

    res = await c.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'copper-kettle-lantern', confirmPassword: 'copper-kettle-lantern' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account/password?changed=1');
    assert.match((await c.get('/account/password?changed=1')).body, /Your password has been changed/);
    assert.equal((await portalCheck(email, DEMO_PASSWORD)).ok, false);
    assert.equal((await portalCheck(email, 'copper-kettle-lantern')).ok, true);
  });

  test('none of the last 4 passwords can come back', async () => {
    const c = await clientFor(email);
    await c.get('/account/password');
    let current = 'copper-kettle-lantern';
    for (const next of ['violet-harbour-engine', 'marble-orchard-tunnel', 'silver-meadow-falcon']) {
      const res = await c.post('/account/password', { currentPassword: current, newPassword: next, confirmPassword: next });
      assert.equal(res.statusCode, 303, next);
      await c.get('/account/password');
      current = next;
    }
    // copper-kettle-lantern is the 4th most recent: still refused.
    const res = await c.post('/account/password', { currentPassword: current, newPassword: 'copper-kettle-lantern', confirmPassword: 'copper-kettle-lantern' });
    assert.ok(squash(res.body).includes(PASSWORD_MESSAGES.recently_used));
    const kept = await database.db.selectFrom('password_history').select('id').where('account_id', '=', await idOf(email)).execute();
    assert.equal(kept.length, 4);
  });

  test('changing the password ends the other sessions but keeps this one', async () => {
    const here = await clientFor('li.wei@care.example');
    const there = await clientFor('li.wei@care.example');
    await here.get('/account/password');
    const res = await here.post('/account/password', { currentPassword: DEMO_PASSWORD, newPassword: 'granite-puffin-harvest', confirmPassword: 'granite-puffin-harvest' });
    assert.equal(res.statusCode, 303);
    assert.equal((await here.get('/account/password')).statusCode, 200);
    assert.equal((await there.get('/account/password')).statusCode, 303);
  });

  test('an application account needs 20 characters', async () => {
    const la = await world.actorFor('sam.taylor@care.example');
    const created = await createAccount(database.db, { organisationCode: 'RXN01', firstName: 'Pathology', lastName: 'Results', kind: 'application' }, { actor: la, frontDoor: 'cli', domain: 'care.example' });
    const c = await clientFor(created.email);
    const page = await c.get('/account/password');
    assert.match(page.body, /You are using a temporary password/);
    const res = await c.post('/account/password', { currentPassword: created.temporaryPassword, newPassword: 'copper-kettle-lamp', confirmPassword: 'copper-kettle-lamp' });
    assert.ok(squash(res.body).includes(PASSWORD_MESSAGES.too_short(20)));
  });

  test('a temporary password can be changed, and is then no longer temporary', async () => {
    const la = await world.actorFor('sam.taylor@care.example');
    const created = await createAccount(database.db, { organisationCode: 'RXN01', firstName: 'Mary', lastName: 'Seacole' }, { actor: la, frontDoor: 'cli', domain: 'care.example' });
    const first = await portalCheck(created.email, created.temporaryPassword);
    assert.deepEqual(first.ok && first.mustChangePassword, true);
    const c = await clientFor(created.email);
    await c.get('/account/password');
    const res = await c.post('/account/password', { currentPassword: created.temporaryPassword, newPassword: 'lighthouse-basil-parade', confirmPassword: 'lighthouse-basil-parade' });
    assert.equal(res.statusCode, 303);
    const after = await portalCheck(created.email, 'lighthouse-basil-parade');
    assert.deepEqual(after.ok && after.mustChangePassword, false);
  });

  test('an expired password must be changed', async () => {
    const id = await idOf('tom.baker@care.example');
    await database.db.updateTable('accounts').set({ password_changed_at: new Date(Date.now() - 366 * 86_400_000) }).where('id', '=', id).execute();
    const r = await portalCheck('tom.baker@care.example', DEMO_PASSWORD);
    assert.deepEqual(r.ok && r.mustChangePassword, true);
  });
});

describe('app passwords', () => {
  const email = 'amara.okafor@care.example';

  test('one is made per device, shown once, works only at IMAP and SMTP, shows when and where it was last used, and can be revoked', async () => {
    const c = await clientFor(email);
    await c.get('/account/app-passwords');
    let res = await c.post('/account/app-passwords', { name: '' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Enter a name for the device/);
    res = await c.post('/account/app-passwords', { name: 'Work phone' });
    assert.equal(res.statusCode, 201);
    const secret = res.body.match(/id="app-password">([a-z-]+)</)![1];
    assert.match(secret, /^[a-z]{4}(-[a-z]{4}){4}$/);

    const imap = await verifyPassword(database.db, email, secret, { frontDoor: 'imap', demoMode: true, ip: '10.1.2.3', client: 'K-9 Mail' });
    assert.equal(imap.ok, true);
    assert.ok(imap.ok && imap.appPasswordId);
    assert.equal((await verifyPassword(database.db, email, secret.replace(/-/g, ' '), { frontDoor: 'smtp', demoMode: true })).ok, true);
    assert.equal((await portalCheck(email, secret)).ok, false, 'the Portal takes only the account password');

    const list = await c.get('/account/app-passwords');
    assert.doesNotMatch(list.body, new RegExp(secret), 'never shown again');
    assert.match(squash(list.body), /Work phone/);
    assert.match(squash(list.body), /from 10\.1\.2\.3 \(SMTP\)|from an unknown address \(SMTP\)/);

    const id = (await database.db.selectFrom('app_passwords').select('id').where('name', '=', 'Work phone').executeTakeFirstOrThrow()).id;
    res = await c.post(`/account/app-passwords/${id}/revoke`, {});
    assert.equal(res.statusCode, 303);
    assert.equal((await verifyPassword(database.db, email, secret, { frontDoor: 'imap', demoMode: true })).ok, false);
  });

  test('once the account has MFA, IMAP and SMTP refuse the account password but take app passwords', async () => {
    const id = await idOf(email);
    assert.equal((await verifyPassword(database.db, email, DEMO_PASSWORD, { frontDoor: 'imap', demoMode: true })).ok, true);
    await database.db.insertInto('mfa_totp').values({ account_id: id, secret_enc: 'demo', confirmed: true }).execute();
    for (const door of ['imap', 'smtp'] as const) {
      assert.deepEqual(await verifyPassword(database.db, email, DEMO_PASSWORD, { frontDoor: door, demoMode: true }), { ok: false, reason: 'app_password_required' });
    }
    assert.equal((await portalCheck(email, DEMO_PASSWORD)).ok, true, 'the Portal still takes the password (its second step is the MFA)');
    const c = await clientFor(email);
    await c.get('/account/app-passwords');
    const res = await c.post('/account/app-passwords', { name: 'Thunderbird' });
    const secret = res.body.match(/id="app-password">([a-z-]+)</)![1];
    assert.equal((await verifyPassword(database.db, email, secret, { frontDoor: 'imap', demoMode: true })).ok, true);
    await withSignInColumns(database.db).updateTable('accounts').set({ failed_attempts: 0, failed_since: null }).where('id', '=', id).execute();
    await database.db.deleteFrom('mfa_totp').where('account_id', '=', id).execute();
  });

  test('text message codes are MFA too: with only those on, IMAP and SMTP refuse the account password', async () => {
    const id = await idOf(email);
    await withMfaColumns(database.db).updateTable('accounts').set({ sms_mfa: true, mobile: '07700900456', mobile_verified: '07700900456' }).where('id', '=', id).execute();
    for (const door of ['imap', 'smtp'] as const) {
      assert.deepEqual(await verifyPassword(database.db, email, DEMO_PASSWORD, { frontDoor: door, demoMode: true }), { ok: false, reason: 'app_password_required' });
    }
    await withMfaColumns(database.db).updateTable('accounts').set({ sms_mfa: false }).where('id', '=', id).execute();
    await withSignInColumns(database.db).updateTable('accounts').set({ failed_attempts: 0, failed_since: null }).where('id', '=', id).execute();
    assert.equal((await verifyPassword(database.db, email, DEMO_PASSWORD, { frontDoor: 'imap', demoMode: true })).ok, true);
  });
});

describe('sessions at /account/sessions', () => {
  test('lists each session with device and address; signs out of one; signs out everywhere', async () => {
    const email = 'jonathan.smith@care.example';
    const phone = await clientFor(email, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/605.1');
    const desk = await clientFor(email);
    const page = squash((await desk.get('/account/sessions')).body);
    assert.match(page, /Chrome on Linux <strong class="nhsuk-tag">This device/);
    assert.match(page, /Safari on iOS/);
    assert.match(page, /127\.0\.0\.1/);
    const phoneId = (await database.db.selectFrom('sessions').select('id_hash').where('user_agent', 'like', '%iPhone%').executeTakeFirstOrThrow()).id_hash;
    const res = await desk.post(`/account/sessions/${phoneId}/end`, {});
    assert.equal(res.headers.location, '/account/sessions?ended=1');
    assert.equal((await phone.get('/account/sessions')).statusCode, 303, 'the phone is signed out');
    assert.equal((await desk.get('/account/sessions')).statusCode, 200);

    const other = await clientFor(email);
    const all = await desk.post('/account/sessions/end-all', {});
    assert.match(all.body, /You have signed out everywhere/);
    assert.equal((await desk.get('/account/sessions')).statusCode, 303);
    assert.equal((await other.get('/account/sessions')).statusCode, 303);
  });

  test('one person cannot end another person’s session', async () => {
    const victim = await clientFor('li.wei@care.example');
    const attacker = await clientFor('tom.baker@care.example');
    const victimId = (await database.db.selectFrom('sessions').select('id_hash').where('account_id', '=', await idOf('li.wei@care.example')).executeTakeFirstOrThrow()).id_hash;
    await attacker.get('/account/sessions');
    await attacker.post(`/account/sessions/${victimId}/end`, {});
    assert.equal((await victim.get('/account/sessions')).statusCode, 200);
  });
});

describe('locked accounts for administrators', () => {
  const email = 'jonathan.smith@care.example';

  test('a locked account gets the same answer as a wrong password at the Portal', async () => {
    for (let i = 0; i < 10; i++) await verifyPassword(database.db, email, 'old-password', { frontDoor: 'imap', demoMode: true, client: 'Thunderbird', ip: '10.1.2.3' });
    for (const password of ['wrong-one', DEMO_PASSWORD]) {
      const c = new PortalClient(app);
      await c.get('/sign-in');
      const res = await c.post('/sign-in', { email, password });
      assert.equal(res.statusCode, 401, password);
      assert.match(res.body, /The email address or password is not right/);
    }
  });

  test('the trust LA sees the locked account with its failures grouped, and unlocks it; the GP practice is not theirs', async () => {
    const la = await clientFor('sam.taylor@care.example');
    const page = squash((await la.get('/admin/locked-accounts')).body);
    assert.match(page, /Smith, Jonathan/);
    assert.match(page, /IMAP, Thunderbird, 10\.1\.2\.3: 10 failures since \d\d:\d\d/);
    assert.match(page, /Portal, lightMyRequest, 127\.0\.0\.1: 1 failure since/);

    const gpLa = await clientFor('amara.okafor@care.example');
    await database.db.insertInto('account_roles').values({ account_id: await idOf('amara.okafor@care.example'), organisation_id: await world.orgId('B82001'), role: 'local_admin' }).execute();
    await withDemoAuthenticator(database.db, await idOf('amara.okafor@care.example')); // administrators must have an authenticator app
    assert.doesNotMatch((await gpLa.get('/admin/locked-accounts')).body, /Jonathan/);
    const id = await idOf(email);
    assert.equal((await gpLa.post(`/admin/accounts/${id}/unlock`, {})).statusCode, 403);
    assert.equal((await gpLa.get(`/admin/accounts/${id}/sign-in`)).statusCode, 403);

    const detail = await la.get(`/admin/accounts/${id}/sign-in`);
    assert.match(detail.body, /Locked/);
    const res = await la.post(`/admin/accounts/${id}/unlock`, {});
    assert.equal(res.statusCode, 303);
    assert.match(squash((await la.get(res.headers.location as string)).body), /jonathan\.smith@care\.example is unlocked/);
    assert.equal((await portalCheck(email, DEMO_PASSWORD)).ok, true);
    const audit = await database.db.selectFrom('audit_events').select(['actor_label']).where('action', '=', 'account.unlock').where('target_id', '=', id).execute();
    assert.deepEqual(audit.map((a) => a.actor_label), ['sam.taylor@care.example']);
  });

  test('a person with no admin role cannot see locked accounts', async () => {
    const c = await clientFor('tom.baker@care.example');
    assert.equal((await c.get('/admin/locked-accounts')).statusCode, 403);
  });
});

describe('marking an account compromised', () => {
  test('revokes every session and app password, blocks sending, replaces the password and needs confirmation', async () => {
    const email = 'li.wei@care.example';
    const id = await idOf(email);
    const victim = await clientFor(email);
    await victim.get('/account/app-passwords');
    await victim.post('/account/app-passwords', { name: 'Laptop' });
    const nas = await clientFor('nadia.shah@care.example');
    await nas.get(`/admin/accounts/${id}/sign-in`);
    let res = await nas.post(`/admin/accounts/${id}/compromised`, {});
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Confirm that this account is compromised/);
    res = await nas.post(`/admin/accounts/${id}/compromised`, { confirm: 'yes' });
    assert.equal(res.statusCode, 200);
    const temporary = res.body.match(/id="temporary-password">([A-Za-z2-9]{16})</)![1];

    assert.equal((await victim.get('/account/sessions')).statusCode, 303);
    assert.equal((await database.db.selectFrom('app_passwords').select('id').where('account_id', '=', id).execute()).length, 0);
    const row = await withSignInColumns(database.db).selectFrom('accounts').select(['sending_blocked', 'password_temporary']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { sending_blocked: true, password_temporary: true });
    assert.equal((await portalCheck(email, 'granite-puffin-harvest')).ok, false);
    const fresh = await portalCheck(email, temporary);
    assert.deepEqual(fresh.ok && fresh.mustChangePassword, true);

    res = await nas.post(`/admin/accounts/${id}/allow-sending`, {});
    assert.equal(res.statusCode, 303);
    assert.equal((await withSignInColumns(database.db).selectFrom('accounts').select('sending_blocked').where('id', '=', id).executeTakeFirstOrThrow()).sending_blocked, false);
  });

  test('a helpdesk may unlock but not mark compromised', async () => {
    const id = await idOf('jane.smith@care.example');
    await database.db.insertInto('account_roles').values({ account_id: await idOf('tom.baker@care.example'), organisation_id: await world.orgId('RXN'), role: 'local_helpdesk' }).execute();
    await withDemoAuthenticator(database.db, await idOf('tom.baker@care.example')); // administrators must have an authenticator app
    const helpdesk = await clientFor('tom.baker@care.example');
    await helpdesk.get(`/admin/accounts/${id}/sign-in`);
    assert.equal((await helpdesk.post(`/admin/accounts/${id}/compromised`, { confirm: 'yes' })).statusCode, 403);
  });
});

describe('/dev/outbox', () => {
  test('shows the kept messages in demo mode', async () => {
    await database.db.insertInto('outbox_messages').values({ channel: 'sms', recipient: '07700900123', body: 'Your code is 123456', purpose: 'sms_code' }).execute();
    const res = await app.inject('/dev/outbox');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Your code is 123456/);
  });

  test('does not exist when demo mode is off', async () => {
    const live = await testPortal(database, { demo: false });
    assert.equal((await live.inject('/dev/outbox')).statusCode, 404);
    await live.close();
  });
});
