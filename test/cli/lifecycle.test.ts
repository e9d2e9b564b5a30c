import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../src/cli/main.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('lifecycle commands', () => {
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'caremail-cli-'));
    if (process.env.DATABASE_URL) {
      database = await openTestDatabase();
      env = { DATABASE_URL: database.url!, CAREMAIL_DEMO: '1' };
    } else env = { CAREMAIL_DATA_DIR: join(dir, 'data'), CAREMAIL_DEMO: '1' };
    assert.equal(await runCli(['demo'], capture().io, env), 0);
  });
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('leaver, joiner, disable, enable and move at the shell; refusals exit 1 with the reason', async () => {
    let c = capture();
    assert.equal(await runCli(['user', 'leaver', '--email', 'jane.smith@care.example'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /is now a leaver/);
    c = capture();
    assert.equal(await runCli(['user', 'joiner', '--email', 'jane.smith@care.example', '--org', 'B82001', '--last-name', 'Brown'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /Brown, Jane \(MEADOWLANE\) has joined Meadow Lane Surgery as jane.brown@care.example\. Mail to jane.smith@care.example reaches them until/);
    c = capture();
    assert.equal(await runCli(['user', 'joiner', '--email', 'jane.brown@care.example', '--org', 'B82001'], c.io, env), 1);
    assert.match(c.err.join('\n'), /cannot be accepted as a joiner/);
    c = capture();
    assert.equal(await runCli(['user', 'disable', '--email', 'tom.baker@care.example', '--until', '2099-01-01'], c.io, env), 1);
    assert.match(c.err.join('\n'), /at most 548 days/);
    const soon = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(await runCli(['user', 'disable', '--email', 'tom.baker@care.example', '--until', soon], capture().io, env), 0);
    assert.equal(await runCli(['user', 'enable', '--email', 'tom.baker@care.example'], capture().io, env), 0);
    c = capture();
    assert.equal(await runCli(['role', 'remove', '--email', 'sam.taylor@care.example', '--org', 'RXN', '--role', 'local_admin'], c.io, env), 0, c.err.join('\n'));
    assert.equal(await runCli(['role', 'remove', '--email', 'sam.taylor@care.example', '--org', 'RXN', '--role', 'local_admin'], capture().io, env), 1);
    c = capture();
    assert.equal(await runCli(['user', 'move', '--email', 'jonathan.smith@care.example', '--org', 'RXN02'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /Riverside Community Hospital \(Smith, Jonathan \(RCH\)\)/);
  });

  test('user sync creates then updates by ExternalSyncID, and a bad file exits 1 with every bad line', async () => {
    const file = join(dir, 'sync.csv');
    writeFileSync(file, 'organisation_code,first_name,last_name,job_title,external_sync_id\nRXN01,Sync,Person,Nurse,E1\n');
    let c = capture();
    assert.equal(await runCli(['user', 'sync', file, '--org', 'RXN'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out.join('\n'), /^line,action,email,temporary_password\n2,created,sync\.person@care\.example,/);
    writeFileSync(file, 'organisation_code,first_name,last_name,job_title,external_sync_id\nRXN01,Sync,Person,Sister,E1\n');
    c = capture();
    assert.equal(await runCli(['user', 'sync', file, '--org', 'RXN'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out.join('\n'), /2,updated,sync\.person@care\.example,/);
    writeFileSync(file, 'organisation_code,first_name,last_name\nRXN01,,X\nZZZ,A,B\n');
    c = capture();
    assert.equal(await runCli(['user', 'sync', file, '--org', 'RXN'], c.io, env), 1);
    assert.match(c.err.join('\n'), /line 2 \(first_name\)[\s\S]*line 3 \(organisation_code\): There is no organisation with code ZZZ/);
  });

  test('lifecycle run with --now makes idle accounts inactive', async () => {
    const c = capture();
    const later = new Date(Date.now() + 40 * 86_400_000).toISOString();
    assert.equal(await runCli(['lifecycle', 'run', '--now', later], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out.join('\n'), /inactive\s+changed [1-9]/);
    assert.equal(await runCli(['lifecycle', 'run', '--now', 'soon'], capture().io, env), 2);
  });
});
