import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { withSignInColumns } from '../../src/identity/sign-in-tables.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.ts';

// Several processes on one database need a PostgreSQL server: PGlite serves one process.
const needsServer = process.env.DATABASE_URL ? false : 'two processes sharing a lockout count need a PostgreSQL server (DATABASE_URL); PGlite serves one process';
const THRESHOLD = 6;
const EMAIL = 'jonathan.smith@care.example';

let database: TestDatabase;
let a: ServiceProcess;
let b: ServiceProcess;

before(async () => {
  if (needsServer) return;
  database = await openTestDatabase();
  const env = { CAREMAIL_LOCKOUT_THRESHOLD: String(THRESHOLD), CAREMAIL_LOCKOUT_MINUTES: '30' };
  a = await startServiceProcess({ databaseUrl: database.url, env });
  b = await startServiceProcess({ databaseUrl: database.url, env });
});
after(async () => {
  if (needsServer) return;
  await a.stop();
  await b.stop();
  await database.close();
});

/** One attempt at the sign-in page of a process, as a browser would make it. */
async function signIn(base: string, password: string): Promise<{ status: number; body: string }> {
  const page = await fetch(`${base}/sign-in`);
  const pre = page.headers.getSetCookie().find((c) => c.startsWith('caremail_presession='))!.split(';')[0];
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre, 'user-agent': `lockout-test ${base}` },
    body: new URLSearchParams({ _csrf: csrf, email: EMAIL, password }),
  });
  return { status: res.status, body: await res.text() };
}

test('failures on two processes add up to one count, and the lock holds on both', { skip: needsServer }, async () => {
  // Half the failures on each process, at the same time.
  const half = THRESHOLD / 2;
  const results = await Promise.all([
    ...Array.from({ length: half }, () => signIn(a.baseUrl, 'wrong-password-a')),
    ...Array.from({ length: half }, () => signIn(b.baseUrl, 'wrong-password-b')),
  ]);
  for (const r of results) assert.match(r.body, /The email address or password is not right/);

  const row = await withSignInColumns(database.db).selectFrom('accounts').select(['failed_attempts', 'locked_until']).where('email', '=', EMAIL).executeTakeFirstOrThrow();
  assert.equal(row.failed_attempts, THRESHOLD);
  assert.ok(row.locked_until && row.locked_until > new Date());

  for (const svc of [a, b]) {
    const right = await signIn(svc.baseUrl, DEMO_PASSWORD);
    assert.notEqual(right.status, 303, 'the right password does not sign a locked account in');
    assert.match(right.body, /The email address or password is not right/, 'the same answer as a wrong password');
  }
  const failures = await database.db.selectFrom('sign_in_failures').select(['client']).execute();
  assert.equal(new Set(failures.map((f) => f.client)).size, 2, 'each process recorded where its failures came from');
});
