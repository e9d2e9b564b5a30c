import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openTestDatabase, type TestDatabase } from '../../../helpers/db.ts';
import { demoWorld } from '../../../helpers/world.ts';
import { startImapServer, type ImapServerOptions, type RunningImap } from '../../../../src/mail/imap/server/listener.ts';
import { loadTlsCredentials } from '../../../../src/mail/smtp/tls.ts';
import { appendMessage, getFolder } from '../../../../src/mail/store/index.ts';

export const PASSWORD = 'Caremail-Demo-2026';
export const JANE = 'jane.smith@care.example';
export const TOM = 'tom.baker@care.example';

const certDir = mkdtempSync(join(tmpdir(), 'caremail-imap-tls-'));
export const testTls = () => loadTlsCredentials({ dataDir: certDir, hostname: 'care.example' });
process.on('exit', () => rmSync(certDir, { recursive: true, force: true }));

export type ImapWorld = {
  database: TestDatabase;
  server: RunningImap;
  accountId(email: string): Promise<string>;
  deliver(email: string, raw: Buffer | string, folder?: string, flags?: string[]): Promise<number>;
  close(): Promise<void>;
};

/** A fresh database with the demo world and an IMAP server on a free loopback port. */
export async function imapWorld(opts: Partial<ImapServerOptions> = {}): Promise<ImapWorld> {
  const database = await openTestDatabase();
  await demoWorld(database.db);
  const server = await startImapServer(database, pino({ level: 'silent' }), {
    host: '127.0.0.1', port: 0, tlsPort: 0, tls: testTls(), hostname: 'care.example', demoMode: true, ...opts,
  });
  const accountId = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  return {
    database,
    server,
    accountId,
    async deliver(email, raw, folder = 'INBOX', flags = []) {
      const f = (await getFolder(database.db, await accountId(email), folder))!;
      return (await appendMessage(database.db, f, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), { flags })).uid;
    },
    async close() {
      await server.close();
      await database.close();
    },
  };
}

export function sampleMessage(n: number, opts: { subject?: string; from?: string; body?: string; extraHeaders?: string } = {}): string {
  return (
    `From: ${opts.from ?? '"Sender ' + n + '" <sender' + n + '@nhs.example>'}\r\nTo: Jane Smith <jane.smith@care.example>\r\n` +
    `Subject: ${opts.subject ?? `Message ${n}`}\r\nDate: Mon, 2 Nov 2026 10:${String(n % 60).padStart(2, '0')}:00 +0000\r\n` +
    `Message-ID: <msg${n}@nhs.example>\r\n${opts.extraHeaders ?? ''}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
    `${opts.body ?? `Body of message ${n}.`}\r\n`
  );
}

/** A line-oriented client on a real socket, for raw protocol exchanges. */
export class RawClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new RawClient(socket);
    await c.readUntil((b) => b.includes('\r\n'));
    c.buffer = '';
    return c;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Waits until `done(buffer)`; returns and clears the buffer. */
  async readUntil(done: (buffer: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.buffer)) {
      if (this.closed) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting; got so far:\n${this.buffer}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.buffer;
    this.buffer = '';
    return out;
  }

  /** Sends a tagged command and returns every line up to and including its tagged reply. */
  async command(tag: string, text: string): Promise<string> {
    this.write(`${tag} ${text}\r\n`);
    return this.readUntil((b) => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`).test(b));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A RawClient signed in as `user` (Jane by default). */
export async function signedIn(world: ImapWorld, user = JANE): Promise<RawClient> {
  const c = await RawClient.connect(world.server.port);
  const reply = await c.command('l', `LOGIN ${user} ${PASSWORD}`);
  if (!/l OK/.test(reply)) throw new Error(`LOGIN as ${user} failed: ${reply}`);
  return c;
}

/**
 * Runs a real client program without blocking this process, whose event loop
 * serves the IMAP server under test; killed after `timeoutMs`.
 */
export function runProgram(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
