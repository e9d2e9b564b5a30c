import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { withSignInColumns } from '../../src/identity/sign-in-tables.ts';
import { answerCharacters } from '../../src/identity/policy/security-questions.ts';
import { readOutbox } from '../../src/notify/notifier.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { DEMO_PASSWORD, PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld } from '../helpers/world.ts';

/** The page's text with runs of white space folded, so assertions read like the page. */
const squash = (html: string) => html.replace(/\s+/g, ' ').replace(/> </g, '><').replace(/> /g, '>').replace(/ </g, '<');

let database: TestDatabase;
let app: FastifyInstance;
const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  app = await testPortal(database);
});
after(async () => {
  await app.close();
  await database.close();
});

/** Sets up an authenticator app through the pages; returns its seed. */
async function enrolTotp(c: PortalClient): Promise<string> {
  await c.get('/account/mfa');
  const start = await c.post('/account/mfa/totp/start', {});
  assert.equal(start.headers.location, '/account/mfa/totp');
  const page = await c.get('/account/mfa/totp');
  assert.match(page.body, /<img src="data:image\/png;base64,/);
  const secret = page.body.match(/id="totp-secret">([^<]+)</)![1].replace(/ /g, '');
  const wrong = await c.post('/account/mfa/totp', { code: '000000' });
  assert.equal(wrong.statusCode, 400);
  assert.match(squash(wrong.body), /The code is not right/);
  const ok = await c.post('/account/mfa/totp', { code: await generate({ secret }) });
  assert.equal(ok.statusCode, 303);
  return secret;
}

describe('TOTP in the Portal', () => {
  let secret: string;
  test('a user enrols an authenticator app (QR code shown) and then signs in with a code', async () => {
    const c = new PortalClient(app);
    await c.signIn('jonathan.smith@care.example');
    secret = await enrolTotp(c);
    assert.match((await c.get('/account/mfa')).body, /An authenticator app is set up/);

    const d = new PortalClient(app);
    await d.get('/sign-in');
    const pw = await d.post('/sign-in', { email: 'jonathan.smith@care.example', password: DEMO_PASSWORD });
    assert.equal(pw.headers.location, '/sign-in/verify');
    assert.equal(d.cookies.has('caremail_session'), false, 'not signed in before the second factor');
    assert.equal((await d.get('/')).statusCode, 303);
    await d.get('/sign-in/verify');
    await new Promise((r) => setTimeout(r, 10));
    const code = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const ok = await d.post('/sign-in/verify', { method: 'totp', code });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/');
    assert.equal((await d.get('/')).statusCode, 200);

    // The same code again, on a new sign-in: refused as used.
    const e = new PortalClient(app);
    await e.get('/sign-in');
    await e.post('/sign-in', { email: 'jonathan.smith@care.example', password: DEMO_PASSWORD });
    await e.get('/sign-in/verify');
    const reused = await e.post('/sign-in/verify', { method: 'totp', code });
    assert.equal(reused.statusCode, 401);
    assert.match(squash(reused.body), /That code has been used already/);
  });

  test('wrong codes are refused; after 5 the person starts again from the password', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    await c.post('/sign-in', { email: 'jonathan.smith@care.example', password: DEMO_PASSWORD });
    await c.get('/sign-in/verify');
    for (let i = 0; i < 4; i++) {
      const res = await c.post('/sign-in/verify', { method: 'totp', code: '000000' });
      assert.equal(res.statusCode, 401);
      assert.match(squash(res.body), /The code is not right/);
    }
    const last = await c.post('/sign-in/verify', { method: 'totp', code: '000000' });
    assert.match(squash(last.body), /Too many wrong codes. Sign in again/);
    const after = await c.post('/sign-in/verify', { method: 'totp', code: await generate({ secret }) }, { csrf: c.csrf() });
    assert.match(squash(after.body), /Your sign-in has timed out/);
    const failures = await database.db.selectFrom('audit_events').select('outcome').where('action', '=', 'sign_in.second_factor').where('outcome', '=', 'failure').execute();
    assert.ok(failures.length >= 5);
  });

  test('an expired pending sign-in is refused', async () => {
    const c = new PortalClient(app);
    await c.get('/sign-in');
    await c.post('/sign-in', { email: 'jonathan.smith@care.example', password: DEMO_PASSWORD });
    await database.db.updateTable('pending_sign_ins').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    const res = await c.get('/sign-in/verify');
    assert.equal(res.statusCode, 401);
    assert.match(squash(res.body), /Your sign-in has timed out/);
  });

  test('an administrator cannot remove their last authenticator app, and is told why', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    await c.get('/account/mfa');
    const res = await c.post('/account/mfa/totp/remove', {});
    assert.equal(res.statusCode, 409);
    assert.match(squash(res.body), /Administrators must keep an authenticator app or a passkey/);
  });
});

describe('SMS codes in the Portal', () => {
  test('a user confirms their mobile, turns on SMS codes, and signs in with one', async () => {
    const c = new PortalClient(app);
    await c.signIn('amara.okafor@care.example');
    await c.get('/welcome/profile');
    await database.db.updateTable('accounts').set({ mobile: '07700900555' }).where('id', '=', await idOf('amara.okafor@care.example')).execute();
    await c.get('/account/mobile');
    await c.post('/account/mobile/send', {});
    const [sms] = await readOutbox(database.db, { recipient: '07700900555', limit: 1 });
    const wrong = await c.post('/account/mobile/confirm', { code: '99999x' });
    assert.equal(wrong.statusCode, 400);
    const ok = await c.post('/account/mobile/confirm', { code: sms.body.slice(0, 6) });
    assert.equal(ok.statusCode, 303);
    await c.get('/account/mfa');
    assert.equal((await c.post('/account/mfa/sms', { on: '1' })).statusCode, 303);

    const d = new PortalClient(app);
    await d.get('/sign-in');
    await d.post('/sign-in', { email: 'amara.okafor@care.example', password: DEMO_PASSWORD });
    await d.get('/sign-in/verify');
    const sent = await d.post('/sign-in/verify/send-sms', {});
    assert.match(squash(sent.body), /We have sent a code to your mobile ending 555/);
    const [code] = await readOutbox(database.db, { recipient: '07700900555', purpose: 'sms_code_sign_in', limit: 1 });
    const res = await d.post('/sign-in/verify', { method: 'sms', code: code.body.slice(0, 6) });
    assert.equal(res.statusCode, 303);
    assert.equal((await d.get('/')).statusCode, 200);
  });
});

describe('the first sign-in', () => {
  test('nothing else is reachable until every step is done; then the home page', async () => {
    const la = new PortalClient(app);
    await la.signIn('sam.taylor@care.example');
    await la.get('/admin/organisations/RXN01/accounts/new');
    const created = await la.post('/admin/organisations/RXN01/accounts', { firstName: 'Mary', lastName: 'Seacole', mobile: '07700900777' });
    const temporary = created.body.match(/id="temporary-password">([^<]+)</)![1];

    const c = new PortalClient(app);
    const signIn = await c.signIn('mary.seacole@care.example', temporary);
    assert.equal(signIn.statusCode, 303);
    for (const path of ['/', '/admin', '/people', '/account/sessions']) {
      const res = await c.get(path);
      assert.equal(res.statusCode, 303, path);
      assert.equal(res.headers.location, '/account/password', path);
    }
    await c.get('/account/password');
    const changed = await c.post('/account/password', { currentPassword: temporary, newPassword: 'copper-kettle-lantern', confirmPassword: 'copper-kettle-lantern' });
    assert.equal(changed.statusCode, 303);

    assert.equal((await c.get('/')).headers.location, '/welcome/policy');
    const policy = await c.get('/welcome/policy');
    assert.match(policy.body, /Acceptable Use Policy/);
    assert.match(policy.body, /Do not share your password/);
    const notTicked = await c.post('/welcome/policy', { version: policy.body.match(/name="version" value="([^"]+)"/)![1] });
    assert.equal(notTicked.statusCode, 400);
    assert.equal((await c.post('/welcome/policy', { accept: 'yes', version: policy.body.match(/name="version" value="([^"]+)"/)![1] })).headers.location, '/welcome/next');

    assert.equal((await c.get('/')).headers.location, '/welcome/profile');
    await c.get('/welcome/profile');
    assert.equal((await c.post('/welcome/profile', { jobTitle: 'Nurse', workPhone: '', mobile: 'not a phone' })).statusCode, 400);
    await c.post('/welcome/profile', { jobTitle: 'Nurse', workPhone: '', mobile: '07700900777' });

    assert.equal((await c.get('/')).headers.location, '/account/secret');
    await c.get('/account/secret');
    const badSecret = await c.post('/account/secret', { secret: 'Mary12', confirmSecret: 'Mary12' });
    assert.match(squash(badSecret.body), /letters a to z/);
    assert.equal((await c.post('/account/secret', { secret: 'Lanternlight', confirmSecret: 'Lanternlight' })).headers.location, '/welcome/next');

    assert.equal((await c.get('/')).headers.location, '/welcome/recovery');
    await c.get('/account/security-questions');
    const badQuestions = await c.post('/account/security-questions', { question1: 'first-school', answer1: 'aaa', question2: 'first-school', answer2: 'Oakfield', question3: 'first-pet', answer3: 'Oakfield' });
    assert.equal(badQuestions.statusCode, 400);
    assert.match(squash(badQuestions.body), /Answer 1 must be 5 characters or more/);
    const questions = await c.post('/account/security-questions', { question1: 'first-school', answer1: 'Oakfield', question2: 'first-pet', answer2: 'Pepper', question3: 'first-car', answer3: 'Ford Fiesta' });
    assert.equal(questions.headers.location, '/welcome/next');
    assert.equal((await c.get('/welcome/next')).headers.location, '/');
    assert.equal((await c.get('/')).statusCode, 200);
  });

  test('an administrator whose MFA was reset must set it up again before anything else', async () => {
    const la = new PortalClient(app);
    await la.signIn('alex.morgan@care.example');
    const samId = await idOf('sam.taylor@care.example');
    await la.get(`/admin/accounts/${samId}/security`);
    const reset = await la.post(`/admin/accounts/${samId}/reset-mfa`, {});
    assert.match(squash(reset.body), /second factors have been removed/);
    const self = await la.get(`/admin/accounts/${await idOf('alex.morgan@care.example')}/security`);
    assert.match(squash(self.body), /You cannot reset your own MFA/);

    const sam = new PortalClient(app);
    const signIn = await sam.signIn('sam.taylor@care.example');
    assert.equal(signIn.headers.location, '/');
    assert.equal((await sam.get('/admin')).headers.location, '/account/mfa');
    const secret = await enrolTotp(sam);
    assert.ok(secret);
    assert.equal((await sam.get('/admin')).statusCode, 200);
    await database.db.updateTable('mfa_totp').set({ secret_enc: 'demo' }).where('account_id', '=', samId).execute();
  });
});

describe('self-service unlock', () => {
  test('a locked user proves who they are with security-question characters and unlocks', async () => {
    const mary = await idOf('mary.seacole@care.example');
    await withSignInColumns(database.db).updateTable('accounts').set({ locked_until: new Date(Date.now() + 3_600_000), failed_attempts: 10 }).where('id', '=', mary).execute();
    const c = new PortalClient(app);
    const signIn = await c.get('/sign-in');
    assert.match(signIn.body, /Forgotten your password or locked out\?/);
    await c.get('/recover');
    assert.equal((await c.post('/recover', { email: 'mary.seacole@care.example' })).headers.location, '/recover/method');
    await c.get('/recover/method');
    const prove = await c.post('/recover/method', { method: 'questions' });
    const answers: Record<string, string> = { 'What was the name of your first school?': 'Oakfield', 'What was the name of your first pet?': 'Pepper', 'What was the make and model of your first car?': 'Ford Fiesta' };
    const form: Record<string, string> = {};
    const blocks = [...squash(prove.body).matchAll(/<legend[^>]*>([^<]+)<\/legend>(.*?)<\/fieldset>/g)];
    assert.equal(blocks.length, 3);
    blocks.forEach(([, question, inner], i) => {
      for (const [, pos, j] of inner.matchAll(/Character (\d+)<\/label>.*?name="q\d+c(\d+)"/g)) {
        form[`q${i + 1}c${j}`] = answerCharacters(answers[question])[Number(pos) - 1];
      }
    });
    const wrong = await c.post('/recover/prove', Object.fromEntries(Object.keys(form).map((k) => [k, '#'])));
    assert.equal(wrong.statusCode, 401);
    assert.match(squash(wrong.body), /That did not match our records/);
    const right = await c.post('/recover/prove', form);
    assert.equal(right.headers.location, '/recover/choose');
    await c.get('/recover/choose');
    const unlocked = await c.post('/recover/unlock', {});
    assert.match(unlocked.body, /Your account is unlocked/);
    const row = await withSignInColumns(database.db).selectFrom('accounts').select('locked_until').where('id', '=', mary).executeTakeFirstOrThrow();
    assert.equal(row.locked_until, null);
  });

  test('an unknown address sees the same pages', async () => {
    const c = new PortalClient(app);
    await c.get('/recover');
    assert.equal((await c.post('/recover', { email: 'no.one@care.example' })).headers.location, '/recover/method');
    await c.get('/recover/method');
    const prove = await c.post('/recover/method', { method: 'questions' });
    assert.equal([...prove.body.matchAll(/<legend/g)].length, 3);
  });
});

describe('an LA authenticates a caller', () => {
  test('3 positions are asked for; the answer is pass or fail only', async () => {
    const mary = await idOf('mary.seacole@care.example');
    const la = new PortalClient(app);
    await la.signIn('sam.taylor@care.example');
    await la.get(`/admin/accounts/${mary}/security`);
    const ask = await la.post(`/admin/accounts/${mary}/verify-caller`, {});
    const positions = squash(ask.body).match(/id="positions">([^<]+)</)![1].match(/\d+/g)!.map(Number);
    assert.equal(positions.length, 3);
    assert.doesNotMatch(ask.body, /Lanternlight/i);
    const challengeId = ask.body.match(/name="challengeId" value="([^"]+)"/)![1];
    const letters = Object.fromEntries(positions.map((p, i) => [`letter${i + 1}`, 'Lanternlight'[p - 1].toUpperCase()]));
    const pass = await la.post(`/admin/accounts/${mary}/verify-caller/check`, { challengeId, ...letters });
    assert.match(squash(pass.body), /id="result">Pass</);

    const again = await la.post(`/admin/accounts/${mary}/verify-caller`, {});
    const id2 = again.body.match(/name="challengeId" value="([^"]+)"/)![1];
    const fail = await la.post(`/admin/accounts/${mary}/verify-caller/check`, { challengeId: id2, letter1: '1', letter2: '2', letter3: '3' });
    assert.match(squash(fail.body), /id="result">Fail</);
  });

  test('an organisation LA turns on "require MFA" for everyone', async () => {
    const la = new PortalClient(app);
    await la.signIn('sam.taylor@care.example');
    await la.get('/admin/organisations/RXN02/mfa');
    const res = await la.post('/admin/organisations/RXN02/mfa', { required: 'yes' });
    assert.match(squash(res.body), /Everyone in this organisation must now use MFA/);
    const jane = new PortalClient(app);
    await jane.signIn('jane.smith@care.example');
    assert.equal((await jane.get('/')).headers.location, '/account/mfa');
    assert.equal((await la.get('/admin/organisations/B82001/mfa')).statusCode, 403);
  });
});
