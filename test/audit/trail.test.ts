import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { appendAudit, verifyAuditChain } from '../../src/audit/trail.ts';
import { runCli } from '../../src/cli/main.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let database: TestDatabase;
before(async () => {
  database = await openTestDatabase();
});
after(async () => {
  await database.close();
});

const entry = (n: number) => ({
  actor: { id: null, label: `tester ${n}` },
  action: 'test.action',
  frontDoor: 'system' as const,
  detail: { n, nested: { b: 2, a: 1 }, list: [3, 'x'] },
});

test('entries chain, and appends from many callers at once keep one unbroken chain', async () => {
  await Promise.all(Array.from({ length: 30 }, (_, i) => appendAudit(database.db, entry(i))));
  const report = await verifyAuditChain(database.db);
  assert.deepEqual(report, { ok: true, entries: 30 });
});

test('the database refuses to change or remove an entry', async () => {
  await assert.rejects(sql`update audit_events set action = 'x'`.execute(database.db), /append-only/);
  await assert.rejects(sql`delete from audit_events`.execute(database.db), /append-only/);
  await assert.rejects(sql`truncate audit_events`.execute(database.db), /append-only/);
});

/** Someone with the database owner's rights can switch triggers off; the chain still shows what they did. */
async function tamper(statement: ReturnType<typeof sql>) {
  await database.db.transaction().execute(async (trx) => {
    await sql`alter table audit_events disable trigger user`.execute(trx);
    await statement.execute(trx);
    await sql`alter table audit_events enable trigger user`.execute(trx);
  });
}

test('a changed entry is found and named, and so is a removed one', async () => {
  const rows = await database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute();
  const tenth = rows[9].seq;
  await tamper(sql`update audit_events set actor_label = 'someone else' where seq = ${tenth}`);
  const changed = await verifyAuditChain(database.db);
  assert.equal(changed.ok, false);
  assert.equal((changed as { firstBroken: string }).firstBroken, tenth);
  assert.match((changed as { reason: string }).reason, /contents do not match/);

  const fifth = rows[4].seq;
  await tamper(sql`delete from audit_events where seq = ${fifth}`);
  const removed = await verifyAuditChain(database.db);
  assert.equal((removed as { firstBroken: string }).firstBroken, rows[5].seq);
  assert.match((removed as { reason: string }).reason, /link to the previous entry/);
});

test('`caremail audit verify` exits 3 and names the first broken entry', async (t) => {
  if (!database.url) {
    t.diagnostic('on PGlite the command opens its own data folder; the same check runs through the CLI test there');
  }
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  if (database.url) {
    const code = await runCli(['audit', 'verify'], io, { DATABASE_URL: database.url });
    assert.equal(code, 3);
    assert.match(lines.join('\n'), /The audit trail is broken at entry \d+/);
  } else {
    const report = await verifyAuditChain(database.db);
    assert.equal(report.ok, false);
  }
});
