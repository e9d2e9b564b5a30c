import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { type ServiceProcess, startServiceProcess } from './service-process.ts';

export interface BrowserService {
  service: ServiceProcess;
  browser: Browser;
}

/**
 * For a browser test file: a real `caremail serve` (on PostgreSQL a fresh
 * database of its own, on PGlite its own data folder) and Chromium, started
 * before the first test and stopped after the last. The fields are filled in
 * by then, not when this returns.
 */
export function serviceAndBrowser(env: Record<string, string> = {}): BrowserService {
  const t = {} as BrowserService;
  let database: TestDatabase | undefined;
  before(async () => {
    if (process.env.DATABASE_URL) database = await openTestDatabase();
    t.service = await startServiceProcess({ databaseUrl: database?.url, env });
    t.browser = await launchBrowser();
  });
  after(async () => {
    await t.browser?.close();
    await t.service?.stop();
    await database?.close();
  });
  return t;
}
