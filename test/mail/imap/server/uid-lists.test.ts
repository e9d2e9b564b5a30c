import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { UidLists } from '../../../../src/mail/imap/server/uid-lists.ts';
import { appendMessage, createFolder, expungeMessages, getFolder, listUids, moveMessages, renameFolder } from '../../../../src/mail/store/index.ts';
import { worldDatabase } from '../../../helpers/world-database.ts';

/**
 * SELECT's UID list comes from this process's cache brought up to date with
 * what was added and expunged since, and always equals the folder's list.
 */
let jane: string;
const t = worldDatabase(async () => {
  jane = await t.idOf('jane.smith@care.example');
});

const mail = () => Buffer.from(`From: a@x.example\r\nSubject: s\r\nMessage-ID: <${randomBytes(6).toString('hex')}@t>\r\n\r\nbody\r\n`);
const folderNamed = async (name: string) => (await getFolder(t.database.db, jane, name))!;

test('after appends, expunges and moves in and out, the list read through the cache equals the folder', async () => {
  const db = t.database.db;
  const lists = new UidLists();
  await createFolder(db, jane, 'Cached');
  await createFolder(db, jane, 'Elsewhere');
  for (let i = 0; i < 6; i++) await appendMessage(db, await folderNamed('Cached'), mail());
  const elsewhere = await folderNamed('Elsewhere');
  for (let i = 0; i < 2; i++) await appendMessage(db, elsewhere, mail());
  assert.deepEqual([...(await lists.read(db, await folderNamed('Cached')))], [1, 2, 3, 4, 5, 6]);

  const cached = await folderNamed('Cached');
  await expungeMessages(db, cached.id, [2, 5]);
  await appendMessage(db, cached, mail());
  await moveMessages(db, cached.id, [6], elsewhere.id);
  await moveMessages(db, elsewhere.id, [1], cached.id);
  const first = await lists.read(db, await folderNamed('Cached'));
  assert.deepEqual([...first], await listUids(db, cached.id));
  assert.deepEqual([...first], [1, 3, 4, 7, 8]);

  // the caller's copy is its own: changing it changes nothing held
  first[0] = 999;
  assert.deepEqual([...(await lists.read(db, await folderNamed('Cached')))], [1, 3, 4, 7, 8]);
});

test('a held list is brought up to date rather than read whole, and is read whole again once old or after a rename', async () => {
  const db = t.database.db;
  const lists = new UidLists();
  const folder = await createFolder(db, jane, 'Aged');
  for (let i = 0; i < 3; i++) await appendMessage(db, folder, mail());
  const now = Date.now();
  await lists.read(db, (await folderNamed('Aged')), now);
  // a row removed without the record every way out of a folder writes: only a whole read can see it
  await sql`delete from mail_messages where folder_id = ${folder.id} and uid = 2`.execute(db);
  assert.deepEqual([...(await lists.read(db, await folderNamed('Aged'), now + 1000))], [1, 2, 3], 'brought up to date, not read whole');
  assert.deepEqual([...(await lists.read(db, await folderNamed('Aged'), now + 10 * 60_000))], [1, 3], 'too old: read whole');

  await sql`delete from mail_messages where folder_id = ${folder.id} and uid = 3`.execute(db);
  await renameFolder(db, jane, 'Aged', 'Renamed');
  assert.deepEqual([...(await lists.read(db, await folderNamed('Renamed'), now + 10 * 60_000 + 1000))], [1], 'a new UIDVALIDITY: read whole');
});

test('the cache keeps to its size, the least lately used folder going first; a folder too big is not kept', async () => {
  const db = t.database.db;
  const lists = new UidLists(5);
  const a = await createFolder(db, jane, 'Small A');
  const b = await createFolder(db, jane, 'Small B');
  const big = await createFolder(db, jane, 'Too big');
  for (let i = 0; i < 3; i++) {
    await appendMessage(db, a, mail());
    await appendMessage(db, b, mail());
  }
  for (let i = 0; i < 6; i++) await appendMessage(db, big, mail());
  await lists.read(db, await folderNamed('Small A'));
  assert.equal(lists.size, 1);
  await lists.read(db, await folderNamed('Small B'));
  assert.equal(lists.size, 1, 'A went to make room for B');
  assert.equal((await lists.read(db, await folderNamed('Too big'))).length, 6);
  assert.equal(lists.size, 1, 'the big folder is read but not kept');
});
