import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { onPostgres, openTestDatabase } from '../helpers/db.ts';
import { startServiceProcess } from '../helpers/service-process.ts';

/**
 * A service that cannot open one of its doors stops at once with the reason,
 * rather than hanging half-started (on PostgreSQL the IMAP door's LISTEN
 * connection used to keep the process alive).
 */
test('caremail serve exits with EADDRINUSE when its IMAP port is taken, instead of hanging', { timeout: 240_000 }, async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as { port: number }).port;
  const database = onPostgres() ? await openTestDatabase() : null;
  const started = Date.now();
  try {
    await assert.rejects(
      startServiceProcess({ ...(database?.url ? { databaseUrl: database.url } : {}), env: { CAREMAIL_IMAP_PORT: String(port) } }),
      (err: Error) => /exited early/.test(err.message) && /EADDRINUSE/.test(err.message),
    );
    // three attempts, each stopping as soon as the door fails, well inside the 180 s a hung start would take
    assert.ok(Date.now() - started < 150_000, `took ${Date.now() - started} ms`);
  } finally {
    taken.close();
    await database?.close();
  }
});
