import { mkdtempSync } from 'node:fs';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { createMxServer } from '../../../src/mail/smtp/mx.ts';
import { loadTlsCredentials, type TlsCredentials } from '../../../src/mail/smtp/tls.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

let cached: TlsCredentials | null = null;

/** One self-signed certificate per test file, made the way the service makes it. */
export function testTls(): TlsCredentials {
  cached ??= loadTlsCredentials({ dataDir: mkdtempSync(join(tmpdir(), 'caremail-tls-')), hostname: 'mail.care.example' });
  return cached;
}

export async function listenOnFreePort(server: SMTPServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.server.address() as AddressInfo).port;
}

export const closeServer = (server: SMTPServer) => new Promise<void>((r) => server.close(() => r()));

export interface MxUnderTest {
  database: TestDatabase;
  server: SMTPServer;
  port: number;
}

/**
 * For a test file that talks to one MX server over a database holding the demo
 * world: started before the first test, stopped after the last. The fields are
 * filled in by then, not when this returns.
 */
export function mxServerForTests(opts: { maxBytes?: number } = {}): MxUnderTest {
  const t = {} as MxUnderTest;
  before(async () => {
    t.database = await openTestDatabase();
    await demoWorld(t.database.db);
    t.server = createMxServer({ db: t.database.db, localDomains: ['care.example'], hostname: 'mail.care.example', tls: testTls(), maxBytes: opts.maxBytes });
    t.port = await listenOnFreePort(t.server);
  });
  after(async () => {
    if (t.server) await closeServer(t.server);
    await t.database?.close();
  });
  return t;
}
