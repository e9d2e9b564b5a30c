import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { generate } from 'otplib';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { keepScreenshot, launchBrowser } from '../helpers/browser.ts';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.ts';
import { demoWorld, withDemoAuthenticator } from '../helpers/world.ts';

let database: TestDatabase | undefined;
let dataDir: string | undefined;
let service: ServiceProcess;
let browser: Browser;

/** The demo world plus a Local Administrator at the GP practice (Amara Okafor), made before the service starts. */
async function prepare(db: Parameters<typeof demoWorld>[0]) {
  const world = await demoWorld(db);
  const amara = (await db.selectFrom('accounts').select('id').where('email', '=', 'amara.okafor@care.example').executeTakeFirstOrThrow()).id;
  await withDemoAuthenticator(db, amara);
  await db.insertInto('account_roles').values({ account_id: amara, organisation_id: await world.orgId('B82001'), role: 'local_admin' }).execute();
}

before(async () => {
  if (process.env.DATABASE_URL) {
    database = await openTestDatabase();
    await prepare(database.db);
    service = await startServiceProcess({ databaseUrl: database.url });
  } else {
    // PGlite serves one process: fill a data folder first, close it, then hand it to the service.
    dataDir = mkdtempSync(join(tmpdir(), 'caremail-browser-'));
    const d = await openDatabase({ dataDir });
    await migrateToLatest(d.db);
    await prepare(d.db);
    await d.close();
    service = await startServiceProcess({ env: { CAREMAIL_DATA_DIR: dataDir } });
  }
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await service?.stop();
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(page: Page, email: string, admin: boolean) {
  await page.goto(`${service.baseUrl}/sign-in`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (admin) {
    await page.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SEED }));
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.waitForURL(`${service.baseUrl}/`);
}

test('People Finder: search by name, filter by organisation, find an organisation and its helpdesk (in Chromium)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'jane.smith@care.example', false);
  await page.getByRole('link', { name: 'People Finder' }).first().click();
  await page.getByLabel('Name').fill('jon smi');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '1 result' }).waitFor();
  const result = page.locator('#people li').first();
  assert.match((await result.textContent())!, /Smith, Jonathan \(NGH\)[\s\S]*Consultant cardiologist · Northfield General Hospital \(RXN01\)/);
  await keepScreenshot(page, 'people-01-name-search');

  await page.getByLabel('Name').fill('smith');
  await page.getByText('Filters').click();
  await page.getByLabel('Organisation code').fill('RXN');
  await page.getByLabel('Include the organisations below it').check();
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('heading', { name: '2 results' }).waitFor();
  await keepScreenshot(page, 'people-02-organisation-filter');

  await page.getByRole('link', { name: 'Find an organisation' }).click();
  await page.getByLabel('Organisation name or code').fill('riverside');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('0113 496 0000').waitFor();
  assert.ok(await page.getByText('alex.morgan@care.example').isVisible());
  await keepScreenshot(page, 'people-03-organisation-search');
  await context.close();
});

test('the trust LA marks Jane Smith as a leaver; the GP-practice LA accepts her as a joiner (in Chromium)', async () => {
  const trust = await browser.newContext();
  let page = await trust.newPage();
  await signIn(page, 'alex.morgan@care.example', true);
  await page.goto(`${service.baseUrl}/admin/organisations/RXN02/accounts`);
  await page.getByRole('link', { name: 'Smith, Jane' }).click();
  await page.getByRole('heading', { name: 'Smith, Jane (RCH)' }).waitFor();
  await keepScreenshot(page, 'joiner-01-account');
  await page.getByRole('button', { name: 'Mark as leaver' }).click();
  await page.getByText('Marked as a leaver').waitFor();
  assert.ok(await page.getByText('Active (Leaver)').isVisible());
  await keepScreenshot(page, 'joiner-02-leaver');
  await trust.close();

  const gp = await browser.newContext();
  page = await gp.newPage();
  await signIn(page, 'amara.okafor@care.example', true);
  await page.getByRole('link', { name: 'Administration' }).first().click();
  await page.getByRole('link', { name: 'Accept a joiner' }).click();
  await page.getByLabel('Their Caremail email address').fill('jane.smith@care.example');
  await page.getByRole('button', { name: 'Find leaver' }).click();
  await page.getByText('Riverside Community Hospital (RXN02)').waitFor();
  await keepScreenshot(page, 'joiner-03-found');
  await page.getByLabel('Organisation they are joining').selectOption('B82001');
  await page.getByRole('button', { name: 'Accept as joiner' }).click();
  await page.getByText('Smith, Jane (MEADOWLANE) has joined Meadow Lane Surgery').waitFor();
  await keepScreenshot(page, 'joiner-04-accepted');

  await page.goto(`${service.baseUrl}/people?name=jane+smi`);
  assert.match((await page.locator('#people li').first().textContent())!, /Meadow Lane Surgery \(B82001\)/);
  await gp.close();
});
