#!/usr/bin/env node
// Runs every test file under test/ with node's own test runner (node 20 does not
// expand globs itself). Before the files run, one database template with the
// schema is made, so each test file gets a fresh database in well under a second.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = walk(join(root, 'test')).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (!files.length) {
  console.error('No test files matched.');
  process.exit(1);
}

const prep = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/prepare-template.ts'], {
  cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: process.env,
});
if (prep.status !== 0) process.exit(prep.status ?? 1);

const concurrency = process.env.CAREMAIL_TEST_CONCURRENCY ?? '2';
const res = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files,
], { cwd: root, stdio: 'inherit', env: { ...process.env, CAREMAIL_TEST_RUN: '1' } });
process.exit(res.status ?? 1);
