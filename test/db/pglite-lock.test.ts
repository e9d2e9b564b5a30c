import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataFolderBusyError, lockDataFolder } from '../../src/db/pglite-lock.ts';

const root = new URL('../..', import.meta.url).pathname;

test('a second process on the same PGlite data folder fails at once with a clear message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'caremail-lock-'));
  const release = lockDataFolder(dir);
  try {
    const started = Date.now();
    const child = spawnSync(process.execPath, ['bin/caremail.js', 'migrate'], {
      cwd: root,
      env: { ...process.env, CAREMAIL_DATA_DIR: dir, DATABASE_URL: '' },
      encoding: 'utf8',
    });
    assert.equal(child.status, 2);
    assert.match(child.stderr, /already in use by another Caremail process \(pid \d+\)/);
    assert.match(child.stderr, /DATABASE_URL/);
    assert.ok(Date.now() - started < 30_000);
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lock is released, and a stale lock from a dead process is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caremail-lock-'));
  try {
    const release = lockDataFolder(dir);
    assert.throws(() => lockDataFolder(dir), DataFolderBusyError);
    release();
    lockDataFolder(dir)();
    // A pid that cannot be running (beyond the kernel's limit) stands for a process killed with -9.
    writeFileSync(join(dir, 'caremail.lock'), '4194305');
    const again = lockDataFolder(dir);
    again();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
