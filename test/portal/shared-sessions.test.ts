import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.ts';

// Several processes on one database need a PostgreSQL server: PGlite serves one process.
const needsServer = process.env.DATABASE_URL ? false : 'several processes need a PostgreSQL server (DATABASE_URL); PGlite serves one process';

let database: TestDatabase;
let a: ServiceProcess;
let b: ServiceProcess;

before(async () => {
  if (needsServer) return;
  database = await openTestDatabase();
  a = await startServiceProcess({ databaseUrl: database.url });
  b = await startServiceProcess({ databaseUrl: database.url });
});
after(async () => {
  if (needsServer) return;
  await a.stop();
  await b.stop();
  await database.close();
});

async function signIn(base: string): Promise<string> {
  const page = await fetch(`${base}/sign-in`);
  const pre = page.headers.getSetCookie().find((c) => c.startsWith('caremail_presession='))!.split(';')[0];
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre },
    body: new URLSearchParams({ _csrf: csrf, email: 'sam.taylor@care.example', password: DEMO_PASSWORD }),
  });
  // The administrator's second step is finished on the other process: the pending sign-in is in the database.
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/sign-in/verify');
  const pending = res.headers.getSetCookie().find((c) => c.startsWith('caremail_pending='))!.split(';')[0];
  const other = base === a.baseUrl ? b.baseUrl : a.baseUrl;
  const verify = await fetch(`${other}/sign-in/verify`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${pre}; ${pending}` },
    body: new URLSearchParams({ _csrf: csrf, method: 'totp', code: await generate({ secret: DEMO_TOTP_SEED }) }),
  });
  assert.equal(verify.status, 303);
  return verify.headers.getSetCookie().find((c) => c.startsWith('caremail_session='))!.split(';')[0];
}

test('a session made by one process is honoured by another, and sign-out on one ends it on both', { skip: needsServer }, async () => {
  const cookie = await signIn(a.baseUrl);
  const onB = await fetch(`${b.baseUrl}/admin`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(onB.status, 200);
  assert.match(await onB.text(), /Northfield NHS Foundation Trust/);

  const home = await fetch(`${b.baseUrl}/`, { headers: { cookie } });
  const csrf = (await home.text()).match(/name="_csrf" value="([^"]+)"/)![1];
  const out = await fetch(`${b.baseUrl}/sign-out`, {
    method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }),
  });
  assert.equal(out.status, 200);
  const onA = await fetch(`${a.baseUrl}/admin`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(onA.status, 303);
});
