import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { keepScreenshot } from '../helpers/browser.ts';
import { serviceAndBrowser } from '../helpers/browser-service.ts';

const t = serviceAndBrowser();

test('a trust LA signs in, creates an account, sees it listed, and signs out (in Chromium)', async () => {
  const context = await t.browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspViolations.push(m.text());
  });

  await page.goto(`${t.service.baseUrl}/`);
  assert.match(page.url(), /\/sign-in\?next=%2F$/);
  await keepScreenshot(page, '01-sign-in');
  await page.getByLabel('Email address').fill('sam.taylor@care.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Administrators confirm with an authenticator app; the demo ones share the documented demo seed.
  await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForURL(`${t.service.baseUrl}/`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sam Taylor');
  assert.ok(await page.getByText('Northfield NHS Foundation Trust (RXN)').isVisible());
  await keepScreenshot(page, '02-home');

  await page.getByRole('link', { name: 'Administration' }).first().click();
  await keepScreenshot(page, '03-administration');
  await page.getByRole('link', { name: 'Northfield NHS Foundation Trust' }).click();
  await page.getByRole('link', { name: 'Northfield General Hospital' }).click();
  await keepScreenshot(page, '04-organisation');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await keepScreenshot(page, '05-create-form');

  // First a mistake, to see the error summary; then the right details.
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.ok(await page.getByRole('alert').getByText('There is a problem').isVisible());
  assert.ok(await page.getByRole('link', { name: 'Enter the first name' }).isVisible());
  await keepScreenshot(page, '06-create-errors');

  await page.getByLabel('First name').fill('Florence');
  await page.getByLabel('Last name').fill('Nightingale');
  await page.getByLabel('Job title (optional)').fill('Ward sister');
  await page.getByLabel('Unit (optional)').selectOption('Ward 7 (Cardiology)');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Account created').waitFor();
  const password = (await page.locator('#temporary-password').textContent())!.trim();
  assert.match(password, /^[A-Za-z2-9]{16}$/);
  assert.ok(await page.getByText('florence.nightingale@care.example').isVisible());
  await keepScreenshot(page, '07-created');

  await page.getByRole('link', { name: /Back to the accounts of/ }).click();
  const row = page.getByRole('row', { name: /Nightingale, Florence/ });
  assert.ok(await row.isVisible());
  assert.match((await row.textContent())!, /florence\.nightingale@care\.example/);
  await keepScreenshot(page, '08-accounts-list');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'You have signed out' }).waitFor();
  await keepScreenshot(page, '09-signed-out');
  await page.goto(`${t.service.baseUrl}/admin`);
  assert.match(page.url(), /\/sign-in/);

  assert.deepEqual(cspViolations, []);
  await context.close();
});

test('a wrong password is refused in the browser with the error summary', async () => {
  const context = await t.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${t.service.baseUrl}/sign-in`);
  await page.getByLabel('Email address').fill('sam.taylor@care.example');
  await page.getByLabel('Password').fill('wrong-password-here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.ok(await page.getByRole('link', { name: /The email address or password is not right/ }).isVisible());
  await keepScreenshot(page, '10-sign-in-refused');
  await context.close();
});
