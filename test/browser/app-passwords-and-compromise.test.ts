import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { keepScreenshot, launchBrowser, passwordStep } from '../helpers/browser.ts';
import { startTestService, type TestService } from '../helpers/running-service.ts';

/**
 * App passwords and the compromised-account action, in Chromium against the
 * whole service, with real mail programs' libraries (imapflow for IMAP,
 * nodemailer for SMTP submission) signing in with what the page showed.
 */
let service: TestService;
let browser: Browser;
let base: string;
/** Amara's browser, signed in from the first test to the moment her account is marked compromised. */
let amaraContext: BrowserContext;
let amara: Page;

const AMARA = 'amara.okafor@care.example';

before(async () => {
  service = await startTestService();
  base = service.baseUrl;
  browser = await launchBrowser();
  amaraContext = await browser.newContext();
  amara = await amaraContext.newPage();
});
after(async () => {
  await browser?.close();
  await service?.close();
});

function imapClient(pass: string): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1', port: service.running.imap.port, secure: false, auth: { user: AMARA, pass }, logger: false,
    tls: { rejectUnauthorized: false }, clientInfo: { name: 'Thunderbird', version: '128.0' },
  });
}

/** Signs in over IMAP (STARTTLS), opens the inbox and signs out: what a mail program does first. */
async function imapSignsIn(pass: string): Promise<void> {
  const c = imapClient(pass);
  await c.connect();
  assert.ok(c.secureConnection, 'imapflow upgraded with STARTTLS');
  await c.mailboxOpen('INBOX');
  await c.logout();
}

async function imapRefused(pass: string, why: RegExp): Promise<void> {
  const c = imapClient(pass);
  await assert.rejects(c.connect(), (err: Error & { responseText?: string }) => {
    assert.match(err.responseText ?? err.message, why);
    return true;
  });
  c.close();
}

async function smtpSend(pass: string, subject: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port: service.running.smtp.submissionPort, secure: false, requireTLS: true,
    tls: { rejectUnauthorized: false }, auth: { user: AMARA, pass },
  });
  try {
    return await transport.sendMail({ from: AMARA, to: 'jane.smith@care.example', subject, text: 'Sent from a mail program.' });
  } finally {
    transport.close();
  }
}

async function enrolAuthenticator(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
  await page.getByLabel('Code from the app').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Confirm' }).click();
  return secret;
}

async function createAppPassword(page: Page, name: string): Promise<string> {
  await page.goto(`${base}/account/app-passwords`);
  await page.getByLabel('Device or program name').fill(name);
  await page.getByRole('button', { name: 'Create app password' }).click();
  await page.getByRole('heading', { name: 'App password created' }).waitFor();
  const secret = (await page.locator('#app-password').textContent())!.trim();
  assert.match(secret, /^[a-z]{4}(-[a-z]{4}){4}$/);
  return secret;
}

test('an app password is shown once, lets IMAP and SMTP clients in where the account password no longer can, shows its last use, and stops working when revoked', async () => {
  await passwordStep(amara, base, AMARA, DEMO_PASSWORD);
  await amara.waitForURL(`${base}/`);
  // Without a second factor the account password still works at IMAP: what changes below is MFA.
  await imapSignsIn(DEMO_PASSWORD);

  await amara.goto(`${base}/account/mfa`);
  await enrolAuthenticator(amara);
  await amara.getByText('Your authenticator app is set up.').waitFor();
  await imapRefused(DEMO_PASSWORD, /mail programs need an app password/);

  const secret = await createAppPassword(amara, 'Surgery Thunderbird');
  assert.match(await amara.locator('main').innerText(), /Type this password into the mail program on Surgery Thunderbird/);
  await keepScreenshot(amara, 'app-passwords-01-created');

  await amara.goto(`${base}/account/app-passwords`);
  await amara.reload();
  const row = amara.getByRole('row', { name: /Surgery Thunderbird/ });
  assert.match((await row.textContent())!, /Never used/);
  assert.ok(!(await amara.content()).includes(secret), 'not shown again');
  assert.ok(!(await amara.content()).includes(secret.replace(/-/g, '')), 'not shown again, in any form');

  const sent = await smtpSend(secret, 'From Thunderbird');
  assert.equal(sent.rejected.length, 0);
  await imapSignsIn(secret.toUpperCase().replace(/-/g, ' '));

  await amara.reload();
  const used = (await row.locator('td').nth(2).textContent())!.trim();
  assert.match(used, /^\d{1,2} \w{3} \d{4}, \d\d:\d\d from 127\.0\.0\.1 \(IMAP\)$/);
  await keepScreenshot(amara, 'app-passwords-02-last-used');

  await row.getByRole('button', { name: 'Revoke Surgery Thunderbird' }).click();
  await amara.getByText('The app password "Surgery Thunderbird" was revoked. Programs using it can no longer sign in.').waitFor();
  assert.ok(await amara.getByText('You have no app passwords.').isVisible());
  await keepScreenshot(amara, 'app-passwords-03-revoked');
  await imapRefused(secret, /Wrong email address or password/);
  await assert.rejects(smtpSend(secret, 'After revoking'), (err: Error & { responseCode?: number }) => err.responseCode === 535);
});

test('an LA marks an account compromised: the live session ends, app passwords stop, sending stops, and the person must set a new password and a second factor again', async () => {
  const phoneSecret = await createAppPassword(amara, 'Practice phone');
  await imapSignsIn(phoneSecret);
  await amara.goto(`${base}/`);
  assert.equal(await amara.getByRole('heading', { level: 1 }).textContent(), 'Amara Okafor', 'signed in until now');

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await passwordStep(admin, base, 'priya.patel@care.example', DEMO_PASSWORD);
  await admin.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
  await admin.getByRole('button', { name: 'Continue' }).click();
  await admin.waitForURL(`${base}/`);
  await admin.goto(`${base}/admin/organisations/B82001/accounts`);
  await admin.getByRole('link', { name: 'Okafor, Amara' }).click();
  await admin.getByRole('link', { name: /^Signing in: lock, failed attempts, mark as compromised/ }).click();
  await admin.getByRole('button', { name: 'Mark as compromised' }).click();
  await admin.getByRole('alert').getByRole('link', { name: 'Confirm that this account is compromised' }).waitFor();
  await admin.getByLabel('I have checked: this account is compromised').check();
  await admin.getByRole('button', { name: 'Mark as compromised' }).click();
  await admin.getByRole('heading', { name: 'Account marked as compromised' }).waitFor();
  assert.match(await admin.locator('main').innerText(), /1 session ended and 1 app password revoked\. The account cannot send mail until you allow it again\./);
  const temporary = (await admin.locator('#temporary-password').textContent())!.trim();
  await keepScreenshot(admin, 'compromised-01-marked');

  // Her open browser is signed out at its next page, and the phone's app password is refused.
  await amara.goto(`${base}/account/app-passwords`);
  assert.equal(new URL(amara.url()).pathname, '/sign-in');
  await imapRefused(phoneSecret, /Wrong email address or password/);
  await passwordStep(amara, base, AMARA, DEMO_PASSWORD);
  assert.ok(await amara.getByRole('alert').getByRole('link', { name: /The email address or password is not right/ }).isVisible(), 'the old password is gone');

  // With the temporary password from the LA: a new password, then a second factor again, before anything else.
  await passwordStep(amara, base, AMARA, temporary);
  await amara.waitForURL(`${base}/account/password`);
  await amara.getByLabel('Current password').fill(temporary);
  await amara.getByLabel('New password', { exact: true }).fill('willow-pebble-chimney');
  await amara.getByLabel('Type the new password again').fill('willow-pebble-chimney');
  await amara.getByRole('button', { name: 'Change password' }).click();
  await amara.goto(`${base}/mail`);
  await amara.waitForURL(`${base}/account/mfa`);
  await keepScreenshot(amara, 'compromised-02-mfa-again');
  await amara.goto(`${base}/account/app-passwords`);
  assert.equal(new URL(amara.url()).pathname, '/account/mfa', 'nothing else is reachable');
  await enrolAuthenticator(amara);
  await amara.getByText('Your authenticator app is set up.').waitFor();

  // Signed in again, with her own password and new authenticator, she still cannot send.
  await amara.goto(`${base}/mail/compose`);
  await amara.getByLabel('To', { exact: true }).fill('jane.smith@care.example');
  await amara.getByLabel('Subject').fill('Am I back?');
  await amara.getByLabel('Message').fill('Testing.');
  await amara.getByRole('button', { name: 'Send', exact: true }).click();
  await amara.getByText('Sending from this account has been stopped because it may have been compromised.').first().waitFor();
  await keepScreenshot(amara, 'compromised-03-sending-blocked');

  await admin.getByRole('link', { name: 'Back to the account' }).click();
  assert.ok(await admin.getByText('Sending blocked', { exact: true }).isVisible());
  await adminContext.close();
});
