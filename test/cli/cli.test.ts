import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { COMMANDS, runCli } from '../../src/cli/main.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

const root = new URL('../..', import.meta.url).pathname;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('help and bad usage', () => {
  test('`caremail` with no command lists every command', async () => {
    const c = capture();
    assert.equal(await runCli([], c.io), 0);
    for (const cmd of COMMANDS) assert.match(c.out.join('\n'), new RegExp(cmd.words.join(' ')));
  });

  for (const cmd of COMMANDS) {
    test(`\`caremail ${cmd.words.join(' ')} --help\` prints its usage`, async () => {
      const c = capture();
      assert.equal(await runCli([...cmd.words, '--help'], c.io), 0);
      assert.match(c.out.join('\n'), /Usage: caremail /);
      const c2 = capture();
      assert.equal(await runCli(['help', ...cmd.words], c2.io), 0);
      assert.deepEqual(c2.out, c.out);
    });
  }

  test('an unknown command, an unknown option and a missing argument each exit 2 with a clear message', async () => {
    let c = capture();
    assert.equal(await runCli(['frobnicate'], c.io), 2);
    assert.match(c.err[0], /"frobnicate" is not a caremail command/);
    c = capture();
    assert.equal(await runCli(['org', 'destroy'], c.io), 2);
    assert.match(c.err[0], /Did you mean one of: org import, org add, org list/);
    c = capture();
    assert.equal(await runCli(['user', 'add', '--colour', 'blue'], c.io), 2);
    assert.match(c.err[0], /Unknown option '--colour'/);
    c = capture();
    assert.equal(await runCli(['org', 'import'], c.io), 2);
    assert.match(c.err[0], /Missing argument. Usage: caremail org import <file.csv>/);
    c = capture();
    assert.equal(await runCli(['user', 'add', '--org', 'RXN'], c.io, {}), 2);
    assert.match(c.err[0], /--first is required/);
    c = capture();
    assert.equal(await runCli(['migrate'], c.io, { CAREMAIL_HTTP_PORT: 'x' }), 2);
    assert.match(c.err[0], /CAREMAIL_HTTP_PORT/);
  });

  test('the installed command runs as `caremail` through npx', () => {
    const res = spawnSync('npx', ['--no-install', 'caremail', 'user', 'import', '--help'], { cwd: root, encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /Usage: caremail user import <file.csv>/);
    const bad = spawnSync(process.execPath, ['bin/caremail.js', 'nonsense'], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /is not a caremail command/);
  });
});

describe('commands against a database', () => {
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'caremail-cli-'));
    // On PostgreSQL the commands use a fresh test database; on PGlite a data folder of their own.
    if (process.env.DATABASE_URL) {
      database = await openTestDatabase();
      env = { DATABASE_URL: database.url! };
    } else env = { CAREMAIL_DATA_DIR: join(dir, 'data') };
  });
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('org import, org list, user add, user import, role grant and audit verify work end to end', async () => {
    const orgs = join(dir, 'orgs.csv');
    writeFileSync(orgs, 'code,name,parent_code,type,postcode,open_date,close_date\nQ1,Quay Region,,region,,,\nQ1T,Quay Trust,Q1,nhs_trust,,,\n');
    let c = capture();
    assert.equal(await runCli(['migrate'], c.io, env), 0);
    c = capture();
    assert.equal(await runCli(['org', 'import', orgs], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /2 created, 0 updated/);
    c = capture();
    assert.equal(await runCli(['org', 'list', '--under', 'q1'], c.io, env), 0);
    assert.deepEqual(c.out.map((l) => l.trim().replace(/\s+/g, ' ')), ['Q1 Quay Region', 'Q1T Quay Trust']);

    c = capture();
    assert.equal(await runCli(['user', 'add', '--org', 'Q1T', '--first', 'Mary', '--last', 'Seacole', '--job-title', 'Nurse'], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /Created mary\.seacole@care\.example/);
    assert.match(c.out[1], /Temporary password .*: [A-Za-z2-9]{16}$/);

    const people = join(dir, 'people.csv');
    writeFileSync(people, 'organisation_code,first_name,last_name\nQ1T,Mary,Seacole\nQ1T,Edith,Cavell\n');
    c = capture();
    assert.equal(await runCli(['user', 'import', people], c.io, env), 0, c.err.join('\n'));
    assert.equal(c.out[0], 'line,email,temporary_password');
    assert.match(c.out[1], /^2,mary\.seacole2@care\.example,[A-Za-z2-9]{16}$/);
    assert.match(c.out[2], /^3,edith\.cavell@care\.example,/);

    writeFileSync(people, 'organisation_code,first_name,last_name\nQ1T,,Nobody\nZZ,Some,One\n');
    c = capture();
    assert.equal(await runCli(['user', 'import', people], c.io, env), 1);
    assert.match(c.err.join('\n'), /line 2 \(first_name\): Enter the first name/);
    assert.match(c.err.join('\n'), /line 3 \(organisation_code\): There is no organisation with code ZZ/);
    assert.match(c.err.join('\n'), /nothing was imported/);

    c = capture();
    // An administrator role needs an authenticator app or passkey first (SPEC 4); other roles do not.
    assert.equal(await runCli(['role', 'grant', '--email', 'mary.seacole@care.example', '--org', 'Q1T', '--role', 'local_admin'], c.io, env), 1);
    assert.match(c.err.join('\n'), /administrators must sign in with an authenticator app or a passkey/);
    c = capture();
    assert.equal(await runCli(['role', 'grant', '--email', 'mary.seacole@care.example', '--org', 'Q1T', '--role', 'audit'], c.io, env), 0, c.err.join('\n'));
    c = capture();
    assert.equal(await runCli(['role', 'grant', '--email', 'mary.seacole@care.example', '--org', 'Q1T', '--role', 'overlord'], c.io, env), 1);
    assert.match(c.err.join('\n'), /There is no role called overlord/);

    c = capture();
    assert.equal(await runCli(['user', 'list', '--org', 'Q1', '--children'], c.io, env), 0);
    assert.equal(c.out.length, 3);

    c = capture();
    assert.equal(await runCli(['audit', 'verify'], c.io, env), 0);
    assert.match(c.out[0], /The audit trail is whole: \d+ entries checked/);
    c = capture();
    assert.equal(await runCli(['audit', 'show', '--limit', '3'], c.io, env), 0);
    assert.equal(c.out.length, 3);
    assert.equal(JSON.parse(c.out[2]).action, 'role.grant');
  });

  test('a missing file and a demo world outside demo mode are refused clearly', async () => {
    let c = capture();
    assert.equal(await runCli(['org', 'import', join(dir, 'nope.csv')], c.io, env), 2);
    assert.match(c.err[0], /Cannot read .*nope\.csv: no such file/);
    c = capture();
    assert.equal(await runCli(['demo'], c.io, { ...env, CAREMAIL_DEMO: '0' }), 1);
    assert.match(c.err[0], /only when CAREMAIL_DEMO=1/);
    c = capture();
    assert.equal(await runCli(['demo'], c.io, { ...env, CAREMAIL_DEMO: '1' }), 1);
    assert.match(c.err[0], /already has organisations/);
  });
});
