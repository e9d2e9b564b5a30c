import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { findAccountByEmail } from '../../src/directory/accounts.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoTotpCode, PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld } from '../helpers/world.ts';

/** The page's text with runs of white space folded, so assertions read like the page. */
const squash = (html: string) => html.replace(/\s+/g, ' ').replace(/> </g, '><').replace(/> /g, '>').replace(/ </g, '<');

let database: TestDatabase;
let app: FastifyInstance;
before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  app = await testPortal(database);
});
after(async () => {
  await app.close();
  await database.close();
});

describe('operations', () => {
  test('/healthz answers 200 with {"status":"ok"} when the database answers', async () => {
    const res = await app.inject('/healthz');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('/healthz answers 503 when the database does not', async () => {
    const broken = await (await import('../../src/portal/app.ts')).buildPortal({
      db: database.db,
      settings: (await import('../../src/config/settings.ts')).testSettings(),
      log: (await import('../../src/shared/log.ts')).makeLogger('silent'),
      notifier: (await import('../../src/notify/notifier.ts')).outboxNotifier(database.db),
      databaseAnswers: async () => false,
    });
    const res = await broken.inject('/healthz');
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().status, 'unavailable');
    await broken.close();
  });

  test('/metrics is Prometheus text and counts requests', async () => {
    await app.inject('/healthz');
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    assert.match(res.body, /# TYPE caremail_http_requests_total counter/);
    assert.match(res.body, /caremail_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  test('pages carry a strict Content-Security-Policy and the NHS.UK styles are served locally', async () => {
    const res = await app.inject('/sign-in');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    const css = await app.inject('/assets/nhsuk/nhsuk/nhsuk-frontend.min.css');
    assert.equal(css.statusCode, 200);
    // No CDN: every stylesheet and script comes from this server.
    assert.doesNotMatch(res.body, /<(link|script)[^>]+(href|src)="https?:/);
  });
});

describe('signing in and out', () => {
  test('signed-out visitors are sent to sign in, and come back after', async () => {
    const c = new PortalClient(app);
    const res = await c.get('/admin');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/sign-in?next=%2Fadmin');
    await c.get('/sign-in?next=%2Fadmin');
    const signIn = await c.post('/sign-in', { email: 'sam.taylor@care.example', password: 'Caremail-Demo-2026', next: '/admin' });
    // An administrator confirms with the authenticator app; the place to return to is kept meanwhile.
    assert.equal(signIn.statusCode, 303);
    assert.equal(signIn.headers.location, '/sign-in/verify');
    await c.get('/sign-in/verify');
    await database.db.updateTable('mfa_totp').set({ last_time_step: null }).execute(); // as if 30 seconds had passed since any earlier use
    const verified = await c.post('/sign-in/verify', { method: 'totp', code: await demoTotpCode() });
    assert.equal(verified.statusCode, 303);
    assert.equal(verified.headers.location, '/admin');
  });

  test('the session cookie is Secure, HttpOnly and SameSite, and the home page shows the person and organisation', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    const res = await c.post('/sign-in', { email: 'Jonathan.Smith@care.example', password: 'Caremail-Demo-2026' });
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((x) => x.startsWith('caremail_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /SameSite=Lax/);
    const home = await c.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /Jonathan Smith/);
    assert.match(home.body, /Consultant cardiologist/);
    assert.match(home.body, /Northfield General Hospital \(RXN01\)/);
    assert.match(home.body, /Ward 7 \(Cardiology\)/);
  });

  test('a wrong password and an unknown account get the same answer', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    const wrong = await c.post('/sign-in', { email: 'sam.taylor@care.example', password: 'not-the-password' });
    await c.get('/sign-in');
    const unknown = await c.post('/sign-in', { email: 'nobody@care.example', password: 'not-the-password' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const message = (html: string) => squash(html).match(/<a href="#email">([^<]+)<\/a>/)?.[1];
    assert.equal(message(wrong.body), message(unknown.body));
    assert.match(wrong.body, /The email address or password is not right/);
  });

  test('empty fields are named in the error summary', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    const res = await c.post('/sign-in', { email: '', password: '' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /There is a problem/);
    assert.match(squash(res.body), /href="#email">Enter your email address/);
    assert.match(squash(res.body), /href="#password">Enter your password/);
  });

  test('a form without its CSRF token is refused, signed in or not', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    const noToken = await c.post('/sign-in', { email: 'sam.taylor@care.example', password: 'Caremail-Demo-2026' }, { csrf: null });
    assert.equal(noToken.statusCode, 403);
    const forged = await c.post('/sign-in', { email: 'sam.taylor@care.example', password: 'Caremail-Demo-2026' }, { csrf: 'x'.repeat(43) });
    assert.equal(forged.statusCode, 403);
    await c.signIn('sam.taylor@care.example');
    const create = await c.post('/admin/organisations/RXN01/accounts', { firstName: 'Csrf', lastName: 'Victim' }, { csrf: null });
    assert.equal(create.statusCode, 403);
    assert.equal(await findAccountByEmail(database.db, 'csrf.victim@care.example'), undefined);
  });

  test('a next address on another site is ignored (no open redirect)', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    const res = await c.post('/sign-in', { email: 'jonathan.smith@care.example', password: 'Caremail-Demo-2026', next: '//evil.example/' });
    assert.equal(res.headers.location, '/');
  });

  test('sign-out ends the session in the database', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    const token = c.cookies.get('caremail_session')!;
    await c.get('/');
    const out = await c.post('/sign-out', {});
    assert.equal(out.statusCode, 200);
    assert.match(out.body, /You have signed out/);
    const reuse = await app.inject({ url: '/', headers: { cookie: `caremail_session=${token}` } });
    assert.equal(reuse.statusCode, 303);
  });

  test('demo passwords are refused when demo mode is off', async () => {
    const prod = await testPortal(database, { demo: false });
    const c = new PortalClient(prod);
    await c.get('/sign-in');
    const res = await c.post('/sign-in', { email: 'sam.taylor@care.example', password: 'Caremail-Demo-2026' });
    assert.equal(res.statusCode, 401);
    await prod.close();
  });
});

describe('Local Administrators', () => {
  test('see their organisation and create an account in it, getting a temporary password', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    const admin = await c.get('/admin');
    assert.match(admin.body, /Northfield NHS Foundation Trust/);
    const org = await c.get('/admin/organisations/RXN');
    assert.match(org.body, /Northfield General Hospital/);
    await c.get('/admin/organisations/RXN01/accounts/new');
    const res = await c.post('/admin/organisations/RXN01/accounts', { firstName: 'Rosa', lastName: 'Parks', jobTitle: 'Matron', unit: 'Ward 7 (Cardiology)' });
    assert.equal(res.statusCode, 201);
    assert.match(res.body, /rosa\.parks@care\.example/);
    const password = res.body.match(/id="temporary-password">([^<]+)</)![1];
    assert.match(password, /^[A-Za-z2-9]{16}$/);
    const list = await c.get('/admin/organisations/RXN01/accounts');
    assert.match(list.body, /rosa\.parks@care\.example/);
    const withChildren = await c.get('/admin/organisations/RXN/accounts?children=1');
    assert.match(withChildren.body, /rosa\.parks@care\.example/);
    // The new person can sign in with the temporary password.
    const person = new PortalClient(app);
    const signIn = await person.signIn('rosa.parks@care.example', password);
    assert.equal(signIn.statusCode, 303);
  });

  test('bad input is shown with the NHS.UK error summary, and nothing is created', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    await c.get('/admin/organisations/RXN01/accounts/new');
    const res = await c.post('/admin/organisations/RXN01/accounts', { firstName: '', lastName: 'Smith', mobile: '123' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /nhsuk-error-summary/);
    assert.match(squash(res.body), /href="#firstName">Enter the first name/);
    assert.match(squash(res.body), /href="#mobile">Mobile must be a UK mobile number/);
    assert.match(res.body, /nhsuk-error-message/);
  });

  test('cannot reach a sibling organisation', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    assert.equal((await c.get('/admin/organisations/B82001/accounts')).statusCode, 403);
    assert.equal((await c.get('/admin/organisations/B82001')).statusCode, 403);
    await c.get('/admin/organisations/RXN01/accounts/new');
    const res = await c.post('/admin/organisations/B82001/accounts', { firstName: 'Sneaky', lastName: 'Create' });
    assert.equal(res.statusCode, 403);
    assert.equal(await findAccountByEmail(database.db, 'sneaky.create@care.example'), undefined);
  });

  test('an ordinary user has no administration', async () => {
    const c = new PortalClient(app);
    await c.signIn('jonathan.smith@care.example');
    assert.equal((await c.get('/admin')).statusCode, 403);
    assert.equal((await c.get('/admin/organisations/RXN01/accounts')).statusCode, 403);
  });

  test('import accounts from a CSV upload, with every bad row reported', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    await c.get('/admin/organisations/RXN01/accounts/import');
    const csrf = c.csrf();
    const upload = async (csv: string) => {
      const boundary = '----caremailtest';
      const payload = [
        `--${boundary}`, 'Content-Disposition: form-data; name="_csrf"', '', csrf,
        `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="people.csv"', 'Content-Type: text/csv', '', csv,
        `--${boundary}--`, '',
      ].join('\r\n');
      return app.inject({
        method: 'POST', url: '/admin/organisations/RXN01/accounts/import', payload,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `caremail_session=${c.cookies.get('caremail_session')}` },
      });
    };
    const bad = await upload('organisation_code,first_name,last_name\nRXN01,Good,Person\nB82001,Out,Ofscope\nRXN01,,Nofirst');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /2 problems in the file. No accounts were created/);
    assert.match(squash(bad.body), /<td class="nhsuk-table__cell">3<\/td><td class="nhsuk-table__cell">organisation_code<\/td>/);
    assert.equal(await findAccountByEmail(database.db, 'good.person@care.example'), undefined);
    const good = await upload('organisation_code,first_name,last_name\nRXN01,Good,Person\nRXN02,Other,Person');
    assert.equal(good.statusCode, 200);
    assert.match(good.body, /2 accounts created/);
    assert.ok(await findAccountByEmail(database.db, 'good.person@care.example'));
  });

  test('see the audit trail of their organisations, with sign-ins and the accounts they made', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    const res = await c.get('/admin/audit');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /account\.create/);
    assert.match(res.body, /sign_in/);
    assert.doesNotMatch(res.body, /amara\.okafor/);
  });
});
