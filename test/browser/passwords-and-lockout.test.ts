import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { PASSWORD_MESSAGES } from '../../src/identity/policy/password-policy.ts';
import { keepScreenshot } from '../helpers/browser.ts';
import { serviceAndBrowser } from '../helpers/browser-service.ts';

const t = serviceAndBrowser();

/** A wrong password from a mail program that kept an old one, as the sign-in page sees it. */
async function failedSignIn(email: string, userAgent: string) {
  const page = await fetch(`${t.service.baseUrl}/sign-in`);
  const pre = page.headers.getSetCookie().find((c) => c.startsWith('caremail_presession='))!.split(';')[0];
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  await fetch(`${t.service.baseUrl}/sign-in`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre, 'user-agent': userAgent },
    body: new URLSearchParams({ _csrf: csrf, email, password: 'last-years-password' }),
  });
}

test('a user changes their password: a broken rule is explained, then a good password is accepted (in Chromium)', async () => {
  const context = await t.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${t.service.baseUrl}/account/password`);
  await page.getByLabel('Email address').fill('jane.smith@care.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account\/password$/);
  await page.getByRole('heading', { name: 'Change your password' }).waitFor();
  await keepScreenshot(page, 'password-01-form');

  await page.getByLabel('Current password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('janesmith-rocks');
  await page.getByLabel('Type the new password again').fill('janesmith-rocks');
  await page.getByRole('button', { name: 'Change password' }).click();
  assert.ok(await page.getByRole('alert').getByText('There is a problem').isVisible());
  assert.ok(await page.getByRole('link', { name: PASSWORD_MESSAGES.contains_name }).isVisible());
  await keepScreenshot(page, 'password-02-rule-broken');

  await page.getByLabel('Current password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('harbour-lantern-thistle');
  await page.getByLabel('Type the new password again').fill('harbour-lantern-thistle');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password has been changed').waitFor();
  await keepScreenshot(page, 'password-03-changed');
  await context.close();
});

test('an LA sees a locked account with its failures grouped by source, and unlocks it (in Chromium)', async () => {
  for (let i = 0; i < 10; i++) await failedSignIn('jonathan.smith@care.example', 'Thunderbird/115.3');

  const context = await t.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${t.service.baseUrl}/admin/locked-accounts`);
  await page.getByLabel('Email address').fill('sam.taylor@care.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/admin\/locked-accounts$/);

  const card = page.locator('.nhsuk-card', { hasText: 'jonathan.smith@care.example' });
  assert.ok(await card.isVisible());
  assert.match((await card.getByRole('list', { name: 'Where the failures came from' }).textContent())!, /Portal, Thunderbird\/115\.3, 127\.0\.0\.1: 10 failures since \d\d:\d\d/);
  await keepScreenshot(page, 'lockout-01-locked-accounts');

  await card.getByRole('link', { name: /Smith, Jonathan/ }).click();
  assert.ok(await page.getByText('Locked', { exact: true }).isVisible());
  await keepScreenshot(page, 'lockout-02-account');
  await page.getByRole('button', { name: 'Unlock account' }).click();
  await page.getByText('jonathan.smith@care.example is unlocked and can sign in again.').waitFor();
  assert.ok(await page.getByText('No accounts in your organisations are locked.').isVisible());
  await keepScreenshot(page, 'lockout-03-unlocked');
  await context.close();

  // And the person can sign in again.
  const theirs = await t.browser.newContext();
  const p2 = await theirs.newPage();
  await p2.goto(`${t.service.baseUrl}/sign-in`);
  await p2.getByLabel('Email address').fill('jonathan.smith@care.example');
  await p2.getByLabel('Password').fill(DEMO_PASSWORD);
  await p2.getByRole('button', { name: 'Sign in' }).click();
  await p2.waitForURL(`${t.service.baseUrl}/`);
  await theirs.close();
});
