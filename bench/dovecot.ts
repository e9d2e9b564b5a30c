/**
 * A private Dovecot for the IMAP benchmark, so that Caremail is measured
 * beside the server people compare it with, on the same machine at the same
 * time, by the same load client. Found at /usr/sbin/dovecot (Debian's
 * dovecot-imapd); without it the benchmark falls back to the figures in the
 * issue. It listens on loopback only, in a temporary folder, with one
 * password for every user; it is stopped at the end. Its storage is mdbox,
 * Dovecot's own high-performance format, unless BENCH_DOVECOT_STORAGE names
 * another (maildir, the most common, is much slower at 10,000 messages:
 * setting a flag renames a file).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const BINARY = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';

export type Dovecot = {
  /** The mail storage format it was started with. */
  storage: string;
  port: number;
  user: string;
  pass: string;
  /** Imports messages into the user's INBOX with doveadm, as a migration would. */
  fill(messages: Iterable<Buffer>): void;
  /** Resident memory of its IMAP processes, in bytes (one process per connection). */
  imapRss(): number;
  stop(): Promise<void>;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('dovecot did not start listening');
}

export async function startDovecot(): Promise<Dovecot | null> {
  if (process.env.BENCH_DOVECOT === '0' || !existsSync(BINARY) || !existsSync(DOVEADM)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'caremail-bench-dovecot-'));
  chmodSync(dir, 0o755); // the mail processes run as another user and must reach their Maildir
  const port = await freePort();
  // As root, mail is kept by "nobody"; as anyone else, by that user.
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  const user = 'bench';
  const storage = process.env.BENCH_DOVECOT_STORAGE ?? 'mdbox';
  const source = join(dir, 'import');
  for (const d of ['run', 'state', 'home', 'mail', join('import', 'cur'), join('import', 'new'), join('import', 'tmp')]) mkdirSync(join(dir, d), { recursive: true });
  if (root) for (const d of ['mail', 'home', 'import', join('import', 'cur'), join('import', 'new'), join('import', 'tmp')]) chownSync(join(dir, d), uid, gid);
  writeFileSync(join(dir, 'dovecot.conf'), [
    `base_dir = ${dir}/run`, `state_dir = ${dir}/state`, `log_path = ${dir}/log`,
    'protocols = imap', 'listen = 127.0.0.1', 'ssl = no', 'disable_plaintext_auth = no', 'auth_mechanisms = plain login',
    `mail_location = ${storage}:${dir}/mail/%n`, 'first_valid_uid = 1', 'last_valid_uid = 0',
    ...(root ? [] : [`default_internal_user = ${me.username}`, `default_login_user = ${me.username}`]),
    'passdb {', '  driver = static', '  args = password=bench', '}',
    'userdb {', '  driver = static', `  args = uid=${uid} gid=${gid} home=${dir}/home/%n`, '}',
    'service imap-login {', '  chroot =', '  inet_listener imap {', '    address = 127.0.0.1', `    port = ${port}`, '  }',
    '  inet_listener imaps {', '    port = 0', '  }', '}',
    'service imap {', '  process_limit = 2000', '}',
    // the benchmark opens a thousand connections for one user from one address
    'protocol imap {', '  mail_max_userip_connections = 2000', '}',
    'service anvil {', '  chroot =', '}',
    'default_client_limit = 4000',
  ].join('\n'));
  const child = spawn(BINARY, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-500) : '';
    rmSync(dir, { recursive: true, force: true });
    console.log(`(Dovecot could not be started, so the figures from the issue are used: ${(err as Error).message} ${log})`);
    return null;
  }
  let n = 0;
  return {
    storage,
    port,
    user,
    pass: 'bench',
    fill(messages) {
      // a Maildir to import from: names sort in arrival order, so Dovecot gives UIDs in the order written
      for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(source, d), { recursive: true });
      if (root) for (const d of ['', 'cur', 'new', 'tmp']) chownSync(join(source, d), uid, gid);
      for (const m of messages) {
        const file = join(source, 'new', `${1_700_000_000 + n}.M${n}P${process.pid}.bench`);
        n++;
        writeFileSync(file, m);
        if (root) chownSync(file, uid, gid);
      }
      execFileSync(DOVEADM, ['-c', join(dir, 'dovecot.conf'), 'import', '-u', user, `maildir:${source}`, '', 'all'], { stdio: 'inherit' });
      rmSync(source, { recursive: true, force: true });
    },
    imapRss() {
      let total = 0;
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          if (!/^PPid:\s+(\d+)$/m.test(status) || Number(/^PPid:\s+(\d+)$/m.exec(status)![1]) !== child.pid) continue;
          if (!/^Name:\s+imap$/m.test(status)) continue;
          total += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
        } catch {
          /* gone meanwhile */
        }
      }
      return total;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      try {
        execFileSync('pkill', ['-f', dir], { stdio: 'ignore' });
      } catch {
        /* nothing left */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
