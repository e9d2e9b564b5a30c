import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { databaseAnswers } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

let database: TestDatabase;
before(async () => {
  database = await openTestDatabase();
});
after(async () => {
  await database.close();
});

test('migrations are versioned and applying them again changes nothing', async () => {
  assert.deepEqual(await migrateToLatest(database.db), []);
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db);
  assert.deepEqual(rows.map((r) => r.name).slice(0, 1), ['0001_foundation']);
});

test('the database answers, with the extensions the directory needs', async () => {
  assert.equal(await databaseAnswers(database.db), true);
  const { rows } = await sql<{ extname: string }>`select extname from pg_extension order by extname`.execute(database.db);
  const names = rows.map((r) => r.extname);
  assert.ok(names.includes('pg_trgm'));
  assert.ok(names.includes('unaccent'));
});

test('a transaction that fails leaves nothing behind', async () => {
  await assert.rejects(
    database.db.transaction().execute(async (trx) => {
      await trx.insertInto('organisations').values({ code: 'TX1', name: 'Half written', short_name: 'TX', type: 'other', parent_id: null, site_type: null, helpdesk_phone: null, helpdesk_email: null, postcode: null, opened_on: null, closed_on: null }).execute();
      throw new Error('stop');
    }),
    /stop/,
  );
  const row = await database.db.selectFrom('organisations').select('id').where('code', '=', 'TX1').executeTakeFirst();
  assert.equal(row, undefined);
});

test('LISTEN/NOTIFY reaches a listener', async () => {
  let resolve!: (v: string) => void;
  const got = new Promise<string>((r) => (resolve = r));
  const stop = await database.listen('caremail_test', (payload) => resolve(payload));
  try {
    await sql`select pg_notify('caremail_test', 'hello')`.execute(database.db);
    assert.equal(await got, 'hello');
  } finally {
    await stop();
  }
});
