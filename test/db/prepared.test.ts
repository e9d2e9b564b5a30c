import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { PREPARED } from '../../src/db/prepared.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

/**
 * Marked statements are prepared once per connection and run with generic
 * plans; every other statement keeps the server's default plan choice, inside
 * a transaction and out of one.
 */
let database: TestDatabase;
before(async () => {
  database = await openTestDatabase();
});
after(async () => {
  await database.close();
});

const mode = async (marked: boolean) =>
  (await (marked ? sql<{ m: string }>`${PREPARED}select current_setting('plan_cache_mode') as m` : sql<{ m: string }>`select current_setting('plan_cache_mode') as m`)
    .execute(database.db)).rows[0].m;

test('a marked statement runs with generic plans, and the next plain statement is back to the default', async () => {
  assert.equal(await mode(false), 'auto');
  assert.equal(await mode(true), 'force_generic_plan');
  assert.equal(await mode(true), 'force_generic_plan');
  assert.equal(await mode(false), 'auto');
  assert.equal(await mode(true), 'force_generic_plan');
  // a statement with values, as Kysely sends them, is switched back too
  const r = await sql<{ m: string; v: number }>`select current_setting('plan_cache_mode') as m, ${7}::int as v`.execute(database.db);
  assert.deepEqual(r.rows[0], { m: 'auto', v: 7 });
});

test('a marked statement is parsed once per connection and then reused by name', async () => {
  const uid = (n: number) => sql<{ n: number }>`${PREPARED}select ${n}::int + 1 as n`.execute(database.db);
  for (let i = 0; i < 5; i++) assert.equal((await uid(i)).rows[0].n, i + 1);
  const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(database.db);
  const ours = rows.filter((r) => r.statement.includes('::int + 1 as n'));
  assert.equal(ours.length, 1, 'one prepared statement for the five calls on this connection');
  assert.match(ours[0].name, /^caremail_\d+$/);
});

test('inside a transaction nothing is switched: a rollback cannot leave a connection in the wrong mode', async () => {
  await assert.rejects(
    database.db.transaction().execute(async (trx) => {
      assert.equal((await sql<{ m: string }>`${PREPARED}select current_setting('plan_cache_mode') as m`.execute(trx)).rows[0].m, 'auto');
      throw new Error('roll back');
    }),
    /roll back/,
  );
  assert.equal(await mode(false), 'auto');
  assert.equal(await mode(true), 'force_generic_plan');
  await database.db.transaction().execute(async (trx) => {
    assert.equal((await sql<{ m: string }>`select current_setting('plan_cache_mode') as m`.execute(trx)).rows[0].m, 'auto');
  });
});

test('a failing marked statement reports its error and leaves the connection usable', async () => {
  await assert.rejects(sql`${PREPARED}select 1 / ${0}::int`.execute(database.db), /division by zero/);
  assert.equal(await mode(true), 'force_generic_plan');
  assert.equal(await mode(false), 'auto');
});
