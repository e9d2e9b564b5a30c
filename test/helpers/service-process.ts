import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export type ServiceProcess = { child: ChildProcess; httpPort: number; baseUrl: string; output: () => string; stop(signal?: NodeJS.Signals): Promise<void> };

/**
 * Runs `caremail serve` as its own process, exactly as an operator would, on
 * free ports; with a PostgreSQL URL it shares that database, otherwise it gets
 * its own PGlite data folder. A port found free can be taken by another test
 * before the service binds it: the service then stops at once, and is started
 * again on other ports.
 */
export async function startServiceProcess(opts: { databaseUrl?: string; env?: Record<string, string> } = {}): Promise<ServiceProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startOnce(opts: { databaseUrl?: string; env?: Record<string, string> }): Promise<ServiceProcess> {
  const httpPort = await freePort();
  const dataDir = opts.databaseUrl ? '' : mkdtempSync(join(tmpdir(), 'caremail-svc-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    CAREMAIL_HTTP_PORT: String(httpPort),
    CAREMAIL_SMTP_PORT: String(await freePort()),
    CAREMAIL_SUBMISSION_PORT: String(await freePort()),
    CAREMAIL_SUBMISSIONS_PORT: String(await freePort()),
    CAREMAIL_IMAP_PORT: String(await freePort()),
    CAREMAIL_IMAPS_PORT: String(await freePort()),
    CAREMAIL_DEMO: '1',
    CAREMAIL_LOG_LEVEL: 'warn',
    DATABASE_URL: opts.databaseUrl ?? '',
    ...(dataDir ? { CAREMAIL_DATA_DIR: dataDir } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, ['bin/caremail.js', 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  // Generous: on a busy two-core machine a first start (initdb, migrations, keys) can take a while.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new (/EADDRINUSE/.test(out) ? PortTaken : Error)(`caremail serve exited early:\n${out}`);
    }
    // "Caremail is running." is printed once every door is open; the Portal answers earlier than that
    if (out.includes('Caremail is running.')) {
      try {
        const res = await fetch(`${baseUrl}/healthz`);
        if (res.ok) break;
      } catch {
        /* not answering yet */
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`caremail serve did not answer in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    httpPort,
    baseUrl,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
