import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { keepScreenshot } from '../helpers/browser.ts';
import { serviceAndBrowser } from '../helpers/browser-service.ts';

const t = serviceAndBrowser();

async function signIn(email: string): Promise<Page> {
  const page = await (await t.browser.newContext()).newPage();
  await page.goto(`${t.service.baseUrl}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${t.service.baseUrl}/`);
  return page;
}

test('an LA asks for an enhanced mailbox; another person with the Authorisations role approves it (in Chromium)', async () => {
  // The Global Admin gives the trust's primary administrator the Authorisations role.
  const priya = await signIn('priya.patel@care.example');
  await priya.goto(`${t.service.baseUrl}/admin/organisations/RXN/roles`);
  await priya.getByLabel('Their email address').fill('alex.morgan@care.example');
  await priya.getByLabel('Role').selectOption('authorisations');
  await priya.getByRole('button', { name: 'Give role' }).click();
  await priya.getByRole('cell', { name: 'Authorisations' }).first().waitFor();

  // Sam, an LA, asks for 50 GB for Jonathan.
  const sam = await signIn('sam.taylor@care.example');
  await sam.goto(`${t.service.baseUrl}/admin/organisations/RXN01/accounts`);
  await sam.getByRole('link', { name: 'Smith, Jonathan' }).click();
  await sam.getByRole('link', { name: /Mailbox size/ }).click();
  assert.ok(await sam.getByText('4.0 GB (standard)').isVisible());
  await sam.getByRole('button', { name: 'Ask for approval' }).click();
  assert.ok(await sam.getByRole('link', { name: 'Say why this person needs a larger mailbox' }).isVisible());
  await sam.getByLabel('Why do they need it?').fill('Receives large cardiology imaging reports');
  await sam.getByRole('button', { name: 'Ask for approval' }).click();
  await sam.getByText('The request is waiting for approval').waitFor();
  assert.ok(await sam.getByText('Pending', { exact: true }).isVisible());
  const mailboxUrl = sam.url().replace(/\?.*$/, '');
  await keepScreenshot(sam, 'quota-01-requested');
  // Sam does not hold the Authorisations role.
  assert.equal((await sam.goto(`${t.service.baseUrl}/admin/approvals`))!.status(), 403);

  // Alex approves from the list.
  const alex = await signIn('alex.morgan@care.example');
  await alex.getByRole('link', { name: 'Administration' }).first().click();
  await alex.getByRole('link', { name: 'Requests waiting for approval' }).click();
  assert.ok(await alex.getByText(/Raise the mailbox of jonathan\.smith@care\.example to 50 GB/).isVisible());
  assert.ok(await alex.getByText(/Receives large cardiology imaging reports/).isVisible());
  await keepScreenshot(alex, 'quota-02-approvals');
  await alex.getByRole('button', { name: 'Approve' }).click();
  await alex.getByText('Approved. The change applies now').waitFor();
  assert.ok(await alex.getByText('Nothing is waiting for approval.').isVisible());

  await sam.goto(mailboxUrl);
  assert.ok(await sam.getByText('50.0 GB (enhanced)').isVisible());
  await keepScreenshot(sam, 'quota-03-approved');
});
