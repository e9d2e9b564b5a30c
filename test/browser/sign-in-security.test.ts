import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { answerCharacters } from '../../src/identity/policy/security-questions.ts';
import { keepScreenshot, passwordStep, signOut } from '../helpers/browser.ts';
import { serviceAndBrowser } from '../helpers/browser-service.ts';

/**
 * Signing in safely, in Chromium against a real `caremail serve`: an
 * authenticator app, passkeys (a virtual authenticator through the DevTools
 * Protocol), the first sign-in, self-service unlock and an LA checking a caller.
 * The pages are opened at http://localhost:PORT, the service's public address,
 * because a passkey belongs to a host name (an IP address cannot be an RP ID).
 */
const t = serviceAndBrowser({ CAREMAIL_LOCKOUT_THRESHOLD: '3' });
const base = () => `http://localhost:${t.service.httpPort}`;

const nowEpoch = () => Math.floor(Date.now() / 1000);

/** The demo administrators' code; `stepOffset` picks a later 30-second step so each sign-in has an unused one. */
async function signInAsDemoAdmin(page: Page, email: string, stepOffset: number) {
  await passwordStep(page, base(), email, DEMO_PASSWORD);
  await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED, epoch: nowEpoch() + 30 * stepOffset }));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${base()}/`);
}

describe('in Chromium', () => {
  let temporaryPassword = '';

  test('TOTP: a user enrols an authenticator app from the QR code page, signs in with a code, and a reused code is refused', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    await passwordStep(page, base(), 'jonathan.smith@care.example', DEMO_PASSWORD);
    await page.waitForURL(`${base()}/`);
    await page.goto(`${base()}/account/mfa`);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    assert.ok(await page.getByRole('img', { name: /QR code/ }).isVisible());
    await keepScreenshot(page, 'mfa-01-totp-qr');
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill('123456' === (await generate({ secret })) ? '654321' : '123456');
    await page.getByRole('button', { name: 'Confirm' }).click();
    assert.ok(await page.getByRole('link', { name: /The code is not right/ }).isVisible());
    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Your authenticator app is set up.').waitFor();
    await signOut(page);

    const code = await generate({ secret, epoch: nowEpoch() + 30 });
    await passwordStep(page, base(), 'jonathan.smith@care.example', DEMO_PASSWORD);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await keepScreenshot(page, 'mfa-02-second-step');
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base()}/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Jonathan Smith');
    await signOut(page);

    await passwordStep(page, base(), 'jonathan.smith@care.example', DEMO_PASSWORD);
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.ok(await page.getByRole('link', { name: /That code has been used already/ }).isVisible());
    await keepScreenshot(page, 'mfa-03-reused-code');
    await context.close();
  });

  test('passkeys: registered with a virtual authenticator, then used to sign in without a password', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
    await passwordStep(page, base(), 'amara.okafor@care.example', DEMO_PASSWORD);
    await page.waitForURL(`${base()}/`);
    await page.goto(`${base()}/account/mfa`);
    await page.getByLabel('Name for the new passkey (optional)').fill('Surgery laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Your passkey is set up.').waitFor();
    assert.ok(await page.getByRole('cell', { name: 'Surgery laptop', exact: true }).isVisible());
    await keepScreenshot(page, 'mfa-04-passkey-added');
    await signOut(page);

    await page.goto(`${base()}/sign-in`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base()}/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Amara Okafor');
    await keepScreenshot(page, 'mfa-05-passkey-signed-in');
    await signOut(page);

    // With a passkey, the password is followed by a second step that the passkey answers.
    await passwordStep(page, base(), 'amara.okafor@care.example', DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${base()}/`);
    await context.close();
  });

  test('first sign-in: from a temporary password, through every step, to the home page', async () => {
    const la = await t.browser.newContext();
    const admin = await la.newPage();
    await signInAsDemoAdmin(admin, 'sam.taylor@care.example', 0);
    await admin.goto(`${base()}/admin/organisations/RXN02/accounts/new`);
    await admin.getByLabel('First name').fill('Mary');
    await admin.getByLabel('Last name').fill('Seacole');
    await admin.getByLabel('UK mobile (optional)').fill('07700 900777');
    await admin.getByRole('button', { name: 'Create account' }).click();
    temporaryPassword = (await admin.locator('#temporary-password').textContent())!.trim();
    await la.close();

    const context = await t.browser.newContext();
    const page = await context.newPage();
    await passwordStep(page, base(), 'mary.seacole@care.example', temporaryPassword);
    await page.waitForURL(`${base()}/account/password`);
    await page.goto(`${base()}/people`);
    assert.equal(new URL(page.url()).pathname, '/account/password', 'nothing else is reachable');
    await page.getByLabel('Current password').fill(temporaryPassword);
    await page.getByLabel('New password', { exact: true }).fill('copper-kettle-lantern');
    await page.getByLabel(/new password again|Confirm/i).fill('copper-kettle-lantern');
    await page.getByRole('button', { name: /Change password|Save/ }).click();
    await page.goto(`${base()}/`);

    await page.waitForURL(`${base()}/welcome/policy`);
    await keepScreenshot(page, 'first-01-policy');
    await page.getByLabel('I have read the Acceptable Use Policy and I accept it').check();
    await page.getByRole('button', { name: 'Accept and continue' }).click();

    await page.waitForURL(`${base()}/welcome/profile`);
    await page.getByLabel('Job title').fill('Staff nurse');
    await page.getByRole('button', { name: 'Confirm my details' }).click();

    await page.waitForURL(`${base()}/account/secret`);
    await page.getByLabel('New account secret').fill('Lanternlight');
    await page.getByLabel('Type it again').fill('Lanternlight');
    await page.getByRole('button', { name: 'Save account secret' }).click();

    await page.waitForURL(`${base()}/welcome/recovery`);
    await keepScreenshot(page, 'first-02-recovery');
    await page.getByRole('link', { name: 'Answer security questions' }).click();
    const answers = [['first-school', 'Oakfield'], ['first-pet', 'Pepper'], ['first-car', 'Ford Fiesta']];
    for (const [i, [q, a]] of answers.entries()) {
      await page.locator(`#question${i + 1}`).selectOption(q);
      await page.locator(`#answer${i + 1}`).fill(a);
    }
    await page.getByRole('button', { name: 'Save security questions' }).click();
    await page.waitForURL(`${base()}/`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Mary Seacole');
    await keepScreenshot(page, 'first-03-home');
    await context.close();
  });

  test('self-service unlock with security-question characters', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    for (let i = 0; i < 3; i++) await passwordStep(page, base(), 'mary.seacole@care.example', 'not-my-password');
    await passwordStep(page, base(), 'mary.seacole@care.example', 'copper-kettle-lantern');
    assert.ok(await page.getByRole('link', { name: /The email address or password is not right/ }).isVisible(), 'locked');

    await page.getByRole('link', { name: 'Forgotten your password or locked out?' }).click();
    await page.getByLabel('Email address').fill('mary.seacole@care.example');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Some letters of my security answers').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await keepScreenshot(page, 'recover-01-characters');
    const byQuestion: Record<string, string> = {
      'What was the name of your first school?': 'Oakfield', 'What was the name of your first pet?': 'Pepper', 'What was the make and model of your first car?': 'Ford Fiesta',
    };
    for (const fieldset of await page.locator('fieldset').all()) {
      const answer = answerCharacters(byQuestion[(await fieldset.locator('legend').textContent())!.trim()]);
      for (const input of await fieldset.locator('input').all()) {
        const label = await page.locator(`label[for="${await input.getAttribute('id')}"]`).textContent();
        await input.fill(answer[Number(label!.match(/\d+/)![0]) - 1]);
      }
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Unlock my account' }).click();
    await page.getByRole('heading', { name: 'Your account is unlocked' }).waitFor();
    await keepScreenshot(page, 'recover-02-unlocked');
    await passwordStep(page, base(), 'mary.seacole@care.example', 'copper-kettle-lantern');
    await page.waitForURL(`${base()}/`);
    await context.close();
  });

  test('an LA authenticates a caller by 3 characters of their account secret', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    await signInAsDemoAdmin(page, 'alex.morgan@care.example', 0);
    await page.goto(`${base()}/admin/organisations/RXN02/accounts`);
    await page.getByRole('link', { name: 'Seacole, Mary' }).click();
    await page.goto(`${page.url().replace(/\/$/, '')}/security`);
    await page.getByRole('button', { name: 'Authenticate caller' }).click();
    const positions = ((await page.locator('#positions').textContent())!.match(/\d+/g) ?? []).map(Number);
    assert.equal(positions.length, 3);
    await keepScreenshot(page, 'caller-01-positions');
    for (const p of positions) await page.getByLabel(`Letter ${p}`, { exact: true }).fill('Lanternlight'[p - 1]);
    await page.getByRole('button', { name: 'Check' }).click();
    assert.equal((await page.locator('#result').textContent())!.trim(), 'Pass');
    await keepScreenshot(page, 'caller-02-pass');
    await context.close();
  });
});
