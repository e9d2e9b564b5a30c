import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { loadTlsCredentials, type TlsCredentials } from '../../../src/mail/smtp/tls.ts';

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
