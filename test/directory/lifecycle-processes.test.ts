import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { type ServiceProcess, startServiceProcess } from '../helpers/service-process.ts';
import { demoWorld } from '../helpers/world.ts';

const skip = process.env.DATABASE_URL ? false : 'needs PostgreSQL (set DATABASE_URL): PGlite serves one process';
const DUE = 300;
let database: TestDatabase | undefined;
const services: ServiceProcess[] = [];

before(async () => {
  if (skip) return;
  database = await openTestDatabase();
  const world = await demoWorld(database.db);
  const org = await world.orgId('RXN01');
  // People who last signed in 40 days ago: each is due one warning and one change to Inactive.
  await sql`
    insert into accounts (organisation_id, email, first_name, last_name, display_name, last_sign_in_at)
    select ${org}::uuid, 'due' || g || '@care.example', 'Due', 'Person' || g, 'Person' || g || ', Due (NGH)', now() - interval '40 days'
    from generate_series(1, ${DUE}) g`.execute(database.db);
});
after(async () => {
  for (const s of services) await s.stop();
  await database?.close();
});

test('two processes on one database run the lifecycle jobs, and each account changes and is warned once', { skip }, async () => {
  const env = { CAREMAIL_LIFECYCLE_INTERVAL_SECONDS: '1' };
  const [a, b] = await Promise.all([startServiceProcess({ databaseUrl: database!.url, env }), startServiceProcess({ databaseUrl: database!.url, env })]);
  services.push(a, b);
  const count = async () => Number((await sql<{ n: string }>`select count(*)::text as n from accounts where email like 'due%' and status = 'inactive'`.execute(database!.db)).rows[0].n);
  const deadline = Date.now() + 60_000;
  while ((await count()) < DUE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  assert.equal(await count(), DUE);
  // A few more runs of both processes must change nothing more.
  await new Promise((r) => setTimeout(r, 3000));
  const audits = await sql<{ target_id: string; n: string }>`
    select target_id, count(*)::text as n from audit_events
    where action = 'account.status' and detail->>'to' = 'Inactive' group by target_id`.execute(database!.db);
  assert.equal(audits.rows.length, DUE);
  assert.ok(audits.rows.every((r) => r.n === '1'), 'each account audited once');
  const warnings = await sql<{ recipient: string; n: string }>`
    select recipient, count(*)::text as n from outbox_messages where purpose = 'lifecycle_warning_inactive' group by recipient`.execute(database!.db);
  assert.equal(warnings.rows.length, DUE);
  assert.ok(warnings.rows.every((r) => r.n === '1'), 'each person warned once');
  assert.match(a.output() + b.output(), /^(?![\s\S]*lifecycle run failed)/);
});
