import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { type Database, openDatabase } from '../../../src/db/database.ts';
import { migrations, migrateToLatest } from '../../../src/db/migrate.ts';
import {
  appendMessage, changesSince, expungeMessages, fetchMessages, folderTotals, getFolder, listFolderPage, listFoldersWithCounts, setFlags,
} from '../../../src/mail/store/index.ts';
import { serverUrl, TEST_DB_PREFIX, withDatabaseName } from '../../helpers/template.ts';
import { worldDatabase } from '../../helpers/world-database.ts';

/**
 * Flags, \Seen and MODSEQ live in mail_flags (migration 0510_mail_flags), so a
 * flag change never rewrites the message row and its many index entries.
 */
let accountId: string;
const t = worldDatabase(async () => {
  accountId = await t.idOf('jane.smith@care.example');
});

const mail = (subject: string) =>
  Buffer.from(`From: a@x.example\r\nTo: jane.smith@care.example\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@t>\r\n\r\nbody\r\n`);

/** The row version of each message row: it changes whenever the row is rewritten. */
const versions = async (table: 'mail_messages' | 'mail_flags', folderId: string) =>
  (await sql<{ uid: string; v: string }>`select uid, xmin::text as v from ${sql.table(table)} where folder_id = ${folderId} order by uid`.execute(t.database.db))
    .rows.map((r) => `${r.uid}:${r.v}`);

test('a flag change rewrites only the narrow flag rows, never the message rows', async () => {
  const inbox = (await getFolder(t.database.db, accountId, 'INBOX'))!;
  const uids = [];
  for (let i = 0; i < 5; i++) uids.push((await appendMessage(t.database.db, inbox, mail(`Untouched ${i}`))).uid);
  const messagesBefore = await versions('mail_messages', inbox.id);
  const flagsBefore = await versions('mail_flags', inbox.id);

  const r = await setFlags(t.database.db, inbox.id, uids, 'add', ['\\Seen', '\\Flagged']);
  assert.equal(r.updated.length, 5);
  await setFlags(t.database.db, inbox.id, uids.slice(0, 2), 'remove', ['\\Flagged']);

  assert.deepEqual(await versions('mail_messages', inbox.id), messagesBefore, 'message rows untouched');
  const flagsAfter = await versions('mail_flags', inbox.id);
  assert.equal(flagsAfter.length, flagsBefore.length);
  assert.ok(flagsAfter.every((v, i) => v !== flagsBefore[i]), 'every flag row rewritten');
  const fetched = await fetchMessages(t.database.db, inbox.id, { from: uids[0], to: uids[4] });
  assert.deepEqual(fetched.map((m) => m.flags), [['\\Seen'], ['\\Seen'], ['\\Seen', '\\Flagged'], ['\\Seen', '\\Flagged'], ['\\Seen', '\\Flagged']]);
  assert.ok(fetched.every((m, i) => m.modseq === r.updated[i].modseq || i < 2));
  const changes = await changesSince(t.database.db, inbox.id, r.updated[0].modseq);
  assert.deepEqual(changes.changed.map((c) => c.uid), uids.slice(0, 2));
});

test('expunging a message removes its flag row; the unread list and counts follow the flag rows', async () => {
  const inbox = (await getFolder(t.database.db, accountId, 'INBOX'))!;
  const a = await appendMessage(t.database.db, inbox, mail('Unread one'));
  const b = await appendMessage(t.database.db, inbox, mail('Unread two'));
  await setFlags(t.database.db, inbox.id, [b.uid], 'add', ['\\Seen']);
  const unread = await listFolderPage(t.database.db, inbox.id, { unseenOnly: true });
  assert.ok(unread.items.some((m) => m.uid === a.uid) && !unread.items.some((m) => m.uid === b.uid));
  assert.equal(unread.total, unread.items.length);

  await expungeMessages(t.database.db, inbox.id, [a.uid, b.uid]);
  const left = await t.database.db.selectFrom('mail_flags').select('uid').where('folder_id', '=', inbox.id).where('uid', 'in', [String(a.uid), String(b.uid)]).execute();
  assert.deepEqual(left, []);
  const counted = (await listFoldersWithCounts(t.database.db, accountId)).find((f) => f.id === inbox.id)!;
  assert.deepEqual((await folderTotals(t.database.db, accountId)).get(inbox.id), { messages: counted.messages, unseen: counted.unseen, bytes: counted.bytes });
});

/** An empty database of the run's engine, and a way to drop it. */
async function emptyDatabase(): Promise<Database> {
  const url = serverUrl();
  if (!url) return openDatabase({ dataDir: 'memory://' });
  const name = `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const opened = await openDatabase({ databaseUrl: withDatabaseName(url, name), poolSize: 2 });
  return {
    ...opened,
    async close() {
      await opened.close();
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`).catch(() => {});
      await a.end();
    },
  };
}

test('the migration moves existing flags, unread states and MODSEQs into mail_flags', async () => {
  const old = await emptyDatabase();
  try {
    const migrator = new Migrator({ db: old.db, provider: { getMigrations: async () => migrations }, allowUnorderedMigrations: true });
    const { error } = await migrator.migrateTo('0500_webmail');
    assert.equal(error, undefined);
    const db = old.db;
    const org = await sql<{ id: string }>`
      insert into organisations (code, name, short_name, type) values ('T1', 'Test', 'Test', 'trust') returning id`.execute(db);
    const acct = await sql<{ id: string }>`
      insert into accounts (organisation_id, email, first_name, last_name, display_name)
      values (${org.rows[0].id}, 'old@care.example', 'Old', 'Mail', 'Old Mail') returning id`.execute(db);
    const folder = await sql<{ id: string }>`
      insert into mail_folders (account_id, name, uid_next, highest_modseq) values (${acct.rows[0].id}, 'INBOX', 4, 9) returning id`.execute(db);
    const folderId = folder.rows[0].id;
    await sql`insert into mail_blobs (sha256, size, raw) values ('abc', 4, '\\x61626364'::bytea)`.execute(db);
    await sql`
      insert into mail_messages (folder_id, account_id, uid, modseq, blob_sha256, size, internal_date, flags, seen, envelope, body_structure, search)
      select ${folderId}::uuid, ${acct.rows[0].id}::uuid, u, m, 'abc', 4, now() - make_interval(days => u::int), f::text[], '\\Seen' = any(f::text[]), '{}'::jsonb, '{}'::jsonb,
        to_tsvector('simple', 'old')
      from unnest(array[1, 2, 3]::bigint[], array[5, 9, 7]::bigint[], array['{"\\\\Seen"}', '{"\\\\Flagged",k1}', '{}']::text[]) as x(u, m, f)`.execute(db);

    await migrateToLatest(db);

    const moved = await sql<{ uid: string; modseq: string; flags: string[]; seen: boolean }>`
      select uid, modseq, flags, seen from mail_flags where folder_id = ${folderId} order by uid`.execute(db);
    assert.deepEqual(moved.rows.map((r) => [Number(r.uid), Number(r.modseq), r.flags, r.seen]), [
      [1, 5, ['\\Seen'], true], [2, 9, ['\\Flagged', 'k1'], false], [3, 7, [], false],
    ]);
    const columns = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_name = 'mail_messages' and column_name in ('flags', 'seen', 'modseq')`.execute(db);
    assert.deepEqual(columns.rows, []);
    const counts = () => db.selectFrom('mail_folder_counts').select(['messages', 'unseen']).where('folder_id', '=', folderId).executeTakeFirstOrThrow();
    assert.deepEqual(await counts(), { messages: '3', unseen: '2' });

    // The store works on the moved rows, and the unread count follows them.
    const r = await setFlags(db, folderId, [2, 3], 'add', ['\\Seen']);
    assert.deepEqual(r.updated.map((u) => [u.uid, u.modseq]), [[2, 10], [3, 10]]);
    assert.deepEqual(await counts(), { messages: '3', unseen: '0' });
    assert.deepEqual(await expungeMessages(db, folderId, [1]), [1]);
    assert.deepEqual(await counts(), { messages: '2', unseen: '0' });
    assert.equal((await db.selectFrom('mail_flags').select('uid').where('folder_id', '=', folderId).execute()).length, 2);
    assert.deepEqual((await fetchMessages(db, folderId, { from: 1, to: null })).map((m) => [m.uid, m.flags]), [
      [2, ['\\Flagged', 'k1', '\\Seen']], [3, ['\\Seen']],
    ]);
  } finally {
    await old.close();
  }
});
