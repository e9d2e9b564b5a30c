import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { databaseAnswers } from '../../src/db/database.ts';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import '../../src/identity/mfa/tables.ts';
import { outboxNotifier } from '../../src/notify/notifier.ts';
import { buildPortal } from '../../src/portal/app.ts';
import { makeLogger } from '../../src/shared/log.ts';
import { keepScreenshot, launchBrowser, passwordStep, signOut } from '../helpers/browser.ts';
import { startTestService, type TestService } from '../helpers/running-service.ts';

/**
 * Second factors by text message, self-service recovery by authenticator app
 * and by text message, and Portal sessions, in Chromium against the whole
 * service. Codes are read where a developer reads them: the development
 * outbox at /dev/outbox. The database is touched only to make a code older
 * than it is, rather than wait ten minutes.
 */
let service: TestService;
let browser: Browser;
let base: string;
/** A page kept open on the development outbox, standing in for the person's phone. */
let phone: Page;

before(async () => {
  service = await startTestService({ lockoutThreshold: 3 });
  base = service.baseUrl;
  browser = await launchBrowser();
  phone = await (await browser.newContext()).newPage();
});
after(async () => {
  await browser?.close();
  await service?.close();
});

const nowEpoch = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function errorSummaryHas(page: Page, text: string | RegExp) {
  await page.getByRole('alert').getByRole('link', { name: text }).waitFor({ timeout: 5000 });
}

/**
 * The newest text message to a number, read from the outbox page; waits (up
 * to a limit) for one that is not `previous`, so a test never reads a stale code.
 */
async function textedCode(mobile: string, previous?: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await phone.goto(`${base}/dev/outbox?to=${encodeURIComponent(mobile)}`);
    const newest = phone.locator('.nhsuk-card').first();
    if (await newest.count()) {
      assert.match((await newest.getByRole('heading').textContent())!, new RegExp(`Text message to ${mobile}`));
      const code = (await newest.locator('pre').textContent())!.match(/^(\d{6}) is your code/)?.[1];
      if (code && code !== previous) return code;
    }
    if (Date.now() > deadline) throw new Error(`no new text message to ${mobile}`);
    await sleep(200);
  }
}

/** Six digits that are not the code of this step or either neighbour, so the server must refuse them. */
async function wrongTotpCode(secret: string): Promise<string> {
  const valid = await Promise.all([-30, 0, 30].map((d) => generate({ secret, epoch: nowEpoch() + d })));
  for (let n = 123456; ; n++) if (!valid.includes(String(n))) return String(n);
}

async function lockOut(page: Page, email: string) {
  for (let i = 0; i < 3; i++) await passwordStep(page, base, email, 'not-my-password-at-all');
  await passwordStep(page, base, email, DEMO_PASSWORD);
  await errorSummaryHas(page, /The email address or password is not right/);
}

const JANE = 'jane.smith@care.example';
const JANE_MOBILE = '07700900456';

describe('text message codes as the second factor (in Chromium)', () => {
  test('a user adds and confirms a UK mobile, turns on text codes, and signs in with one; a wrong, a reused and an expired code are refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await passwordStep(page, base, JANE, DEMO_PASSWORD);
    await page.waitForURL(`${base}/`);

    await page.goto(`${base}/account/profile`);
    await page.getByLabel('Mobile (optional)').fill('07700 900456');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Your changes have been saved.').waitFor();

    await page.goto(`${base}/account/mfa`);
    await page.getByRole('link', { name: 'confirm your mobile number' }).click();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByText(`We have sent a code to ${JANE_MOBILE}.`).waitFor();
    const confirmCode = await textedCode(JANE_MOBILE);
    await page.getByLabel('Code from the text message').fill(confirmCode);
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByText('Your mobile number is confirmed.').waitFor();

    await page.goto(`${base}/account/mfa`);
    await page.getByRole('button', { name: 'Turn on text message codes' }).click();
    await page.getByText('Text message codes are on.').waitFor();
    await keepScreenshot(page, 'sms-01-codes-on');
    await signOut(page);

    // Two browsers reach the second step at once: the person's, and one that is not theirs.
    await passwordStep(page, base, JANE, DEMO_PASSWORD);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByText('We have sent a code to your mobile ending 456.').waitFor();
    const code = await textedCode(JANE_MOBILE, confirmCode);
    const otherContext = await browser.newContext();
    const other = await otherContext.newPage();
    await passwordStep(other, base, JANE, DEMO_PASSWORD);
    await other.getByRole('heading', { name: 'Confirm it is you' }).waitFor();

    await page.getByLabel('Code from the text message').fill(code === '000000' ? '000001' : '000000');
    await page.getByRole('button', { name: 'Continue with the text message code' }).click();
    await errorSummaryHas(page, 'The code is not right. Check the text message and try again.');
    await keepScreenshot(page, 'sms-02-wrong-code');

    await page.getByLabel('Code from the text message').fill(code);
    await page.getByRole('button', { name: 'Continue with the text message code' }).click();
    await page.waitForURL(`${base}/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Jane Smith');

    // The code has done its work: the other browser cannot use it too.
    await other.getByLabel('Code from the text message').fill(code);
    await other.getByRole('button', { name: 'Continue with the text message code' }).click();
    await errorSummaryHas(other, 'There is no code waiting. Ask for a new code.');
    assert.equal(new URL(other.url()).pathname, '/sign-in/verify');
    await keepScreenshot(other, 'sms-03-reused-code');

    // A new code, aged past its 10 minutes, is refused as expired.
    await other.getByRole('button', { name: 'Send me a code' }).click();
    const late = await textedCode(JANE_MOBILE, code);
    const account = await service.db.selectFrom('accounts').select('id').where('email', '=', JANE).executeTakeFirstOrThrow();
    const aged = await service.db
      .updateTable('one_time_codes')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('account_id', '=', account.id)
      .where('purpose', '=', 'sign_in')
      .executeTakeFirst();
    assert.equal(Number(aged.numUpdatedRows), 1);
    await other.getByLabel('Code from the text message').fill(late);
    await other.getByRole('button', { name: 'Continue with the text message code' }).click();
    await errorSummaryHas(other, 'The code has expired: codes last 10 minutes. Ask for a new code.');
    await keepScreenshot(other, 'sms-04-expired-code');
    assert.equal(new URL(other.url()).pathname, '/sign-in/verify');
    await other.goto(`${base}/`);
    assert.equal(new URL(other.url()).pathname, '/sign-in', 'the other browser never signed in');
    await otherContext.close();
    await context.close();
  });
});

describe('self-service recovery from the sign-in page (in Chromium)', () => {
  test('a locked-out administrator proves it is them with an authenticator-app code and sets a new password', async () => {
    const email = 'nadia.shah@care.example';
    const context = await browser.newContext();
    const page = await context.newPage();
    await lockOut(page, email);

    await page.getByRole('link', { name: 'Forgotten your password or locked out?' }).click();
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('A code from my authenticator app').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(await wrongTotpCode(DEMO_TOTP_SEED));
    await page.getByRole('button', { name: 'Continue' }).click();
    await errorSummaryHas(page, 'That did not match our records. Check what you entered and try again.');
    await keepScreenshot(page, 'recover-totp-01-wrong-code');
    await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Unlock your account or set a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('meadow-harbour-violet');
    await page.getByLabel('Type the new password again').fill('meadow-harbour-violet');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Your password has been changed' }).waitFor();
    await keepScreenshot(page, 'recover-totp-02-password-changed');

    // The old password no longer works; the new one does, with the next authenticator code.
    await passwordStep(page, base, email, DEMO_PASSWORD);
    await errorSummaryHas(page, /The email address or password is not right/);
    await passwordStep(page, base, email, 'meadow-harbour-violet');
    await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED, epoch: nowEpoch() + 30 }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Nadia Shah');
    await context.close();
  });

  test('a locked-out user proves it is them with a code texted to their confirmed mobile and unlocks the account', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await lockOut(page, JANE);
    const previous = await textedCode(JANE_MOBILE);

    await page.getByRole('link', { name: 'Forgotten your password or locked out?' }).click();
    await page.getByLabel('Email address').fill(JANE);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('A code sent by text message to my mobile').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Prove it is you' }).waitFor();
    const code = await textedCode(JANE_MOBILE, previous);
    assert.match((await phone.locator('.nhsuk-card').first().locator('pre').textContent())!, /to unlock your Caremail account or reset its password/);
    await keepScreenshot(phone, 'recover-sms-01-outbox');
    await page.getByLabel('Code from the text message').fill(code === '999999' ? '999998' : '999999');
    await page.getByRole('button', { name: 'Continue' }).click();
    await errorSummaryHas(page, 'That did not match our records. Check what you entered and try again.');
    await page.getByLabel('Code from the text message').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('button', { name: 'Unlock my account' }).click();
    await page.getByRole('heading', { name: 'Your account is unlocked' }).waitFor();
    await keepScreenshot(page, 'recover-sms-02-unlocked');
    // The password is accepted again: the person reaches their second step.
    await passwordStep(page, base, JANE, DEMO_PASSWORD);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await context.close();
  });
});

describe('Portal sessions (in Chromium)', () => {
  const TOM = 'tom.baker@care.example';
  const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';

  test('the person sees both browsers they are signed in on, and "sign out everywhere" ends the other one', async () => {
    const laptop = await browser.newContext();
    const desktop = await browser.newContext({ userAgent: FIREFOX_ON_WINDOWS });
    const a = await laptop.newPage();
    const b = await desktop.newPage();
    for (const page of [a, b]) {
      await passwordStep(page, base, TOM, DEMO_PASSWORD);
      await page.waitForURL(`${base}/`);
    }

    await a.goto(`${base}/account/sessions`);
    const rows = a.locator('table tbody tr');
    assert.equal(await rows.count(), 2);
    const mine = rows.filter({ hasText: 'This device' });
    assert.match((await mine.textContent())!, /Chrome on Linux/);
    assert.match((await mine.locator('td').nth(1).textContent())!, /^127\.0\.0\.1$/);
    const theirs = rows.filter({ hasText: 'Firefox on Windows' });
    assert.equal(await theirs.count(), 1);
    assert.doesNotMatch((await theirs.textContent())!, /This device/);
    assert.match((await theirs.locator('td').nth(1).textContent())!, /^127\.0\.0\.1$/);
    await keepScreenshot(a, 'sessions-01-two-browsers');

    await b.goto(`${base}/account/sessions`);
    assert.equal(new URL(b.url()).pathname, '/account/sessions', 'the other browser is signed in');

    await a.getByRole('button', { name: 'Sign out everywhere' }).click();
    await a.getByRole('heading', { name: 'You have signed out everywhere' }).waitFor();
    await keepScreenshot(a, 'sessions-02-signed-out-everywhere');
    await b.reload();
    assert.equal(new URL(b.url()).pathname, '/sign-in', 'the other browser was signed out');
    await a.goto(`${base}/account/sessions`);
    assert.equal(new URL(a.url()).pathname, '/sign-in');
    await laptop.close();
    await desktop.close();
  });

  describe('with a short idle timeout', () => {
    // A second Portal on the same database, set to end sessions after 12 seconds unused.
    const IDLE_SECONDS = 12;
    let portal: FastifyInstance;
    let shortBase: string;
    let context: BrowserContext;

    before(async () => {
      portal = await buildPortal({
        db: service.db,
        settings: { ...service.settings, sessionIdleMinutes: IDLE_SECONDS / 60 },
        log: makeLogger('silent'),
        notifier: outboxNotifier(service.db),
        databaseAnswers: () => databaseAnswers(service.db),
      });
      await portal.listen({ host: '127.0.0.1', port: 0 });
      shortBase = `http://127.0.0.1:${(portal.server.address() as AddressInfo).port}`;
      context = await browser.newContext();
    });
    after(async () => {
      await context?.close();
      await portal?.close();
    });

    test('a session in use stays open past the idle time, and ends once left unused for it', async () => {
      const email = 'li.wei@care.example';
      const page = await context.newPage();
      await page.goto(`${shortBase}/sign-in`);
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${shortBase}/`);
      const signedInAt = Date.now();

      // In use for longer than the idle time: still signed in.
      // Requests come close together so that a slow page on a busy machine still
      // leaves the session touched well within the idle time.
      while (Date.now() - signedInAt < IDLE_SECONDS * 1000 * 1.5) {
        await sleep(250);
        await page.goto(`${shortBase}/account/sessions`);
        assert.equal(new URL(page.url()).pathname, '/account/sessions', `still signed in ${Math.round((Date.now() - signedInAt) / 1000)} s after signing in`);
      }

      // Then left alone for longer than the idle time.
      await sleep(IDLE_SECONDS * 1000 + 1500);
      await page.goto(`${shortBase}/account/sessions`);
      assert.equal(new URL(page.url()).pathname, '/sign-in');
      await keepScreenshot(page, 'sessions-03-idle-timeout');
      const account = await service.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      const left = await service.db.selectFrom('sessions').select('id_hash').where('account_id', '=', account.id).execute();
      assert.equal(left.length, 0, 'the idle session is gone from the database');
    });
  });
});
