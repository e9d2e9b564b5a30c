import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { testSettings, type Settings } from '../../src/config/settings.ts';
import type { DB } from '../../src/db/schema.ts';
import { type RunningService, startService } from '../../src/server.ts';
import { makeLogger } from '../../src/shared/log.ts';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { TEST_SECRET_KEY } from './portal.ts';

export type TestService = {
  running: RunningService;
  settings: Settings;
  /** The service's own database handle, for a test to look at or age rows (PGlite cannot be shared between processes). */
  db: Kysely<DB>;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  close(): Promise<void>;
};

/**
 * The whole service (Portal, SMTP, IMAP, queue, jobs) started in this process
 * by `startService`, as `caremail serve` does, on free loopback ports and the
 * demo world: on a fresh PostgreSQL database when DATABASE_URL is set, on
 * PGlite in a temporary folder otherwise. Unlike a child process, the test can
 * reach the service's database, for what a browser cannot do (make a code
 * expire without waiting ten minutes).
 */
export async function startTestService(overrides: Partial<Settings> = {}): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caremail-test-service-'));
  let database: TestDatabase | undefined;
  try {
    if (process.env.DATABASE_URL) database = await openTestDatabase();
    const base = testSettings();
    const settings = testSettings({
      dataDir,
      databaseUrl: database?.url,
      httpPort: 0,
      smtpPort: 0,
      submissionPort: 0,
      imapPort: 0,
      mail: { ...base.mail, submissionsPort: 0 },
      imap: { ...base.imap, implicitTlsPort: 0 },
      secretKey: TEST_SECRET_KEY,
      lifecycle: { ...base.lifecycle, intervalSeconds: 3600 },
      ...overrides,
    });
    const running = await startService(settings, makeLogger('silent'));
    return {
      running,
      settings,
      db: running.database.db,
      baseUrl: `http://127.0.0.1:${running.httpPort}`,
      async close() {
        await running.close();
        await database?.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
