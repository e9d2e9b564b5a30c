import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appendMessage, copyMessages, createFolder, deleteFolder, expungeMessages, findMessages, folderTotals, getFolder, listFolderPage,
  listFoldersWithCounts, moveMessages, setFlags,
} from '../../../src/mail/store/index.ts';
import { worldDatabase } from '../../helpers/world-database.ts';

let accountId: string;
const t = worldDatabase(async () => {
  accountId = await t.idOf('jane.smith@care.example');
});

const mail = (from: string, subject: string, body = 'x') =>
  Buffer.from(`From: ${from}\r\nTo: jane.smith@care.example\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random()}@t>\r\n\r\n${body}\r\n`);

/** The counters must always equal what counting the rows gives. */
async function assertCountsExact() {
  const counted = await listFoldersWithCounts(t.database.db, accountId);
  const kept = await folderTotals(t.database.db, accountId);
  for (const f of counted) {
    assert.deepEqual(kept.get(f.id) ?? { messages: 0, unseen: 0, bytes: 0 }, { messages: f.messages, unseen: f.unseen, bytes: f.bytes }, f.name);
  }
}

test('folder counts stay exact through append, flags, copy, move, expunge and folder deletion', async () => {
  const inbox = (await getFolder(t.database.db, accountId, 'INBOX'))!;
  const work = await createFolder(t.database.db, accountId, 'Work');
  const uids = [];
  for (let i = 0; i < 6; i++) uids.push((await appendMessage(t.database.db, inbox, mail(`P${i} <p${i}@x.example>`, `Subject ${5 - i}`), { flags: i % 2 ? ['\\Seen'] : [] })).uid);
  await assertCountsExact();
  await setFlags(t.database.db, inbox.id, uids.slice(0, 3), 'add', ['\\Seen']);
  await setFlags(t.database.db, inbox.id, [uids[5]], 'remove', ['\\Seen']);
  await setFlags(t.database.db, inbox.id, [uids[4]], 'replace', ['\\Flagged']);
  await assertCountsExact();
  await copyMessages(t.database.db, inbox.id, uids.slice(0, 2), work.id);
  await moveMessages(t.database.db, inbox.id, uids.slice(2, 4), work.id);
  await assertCountsExact();
  await expungeMessages(t.database.db, work.id);
  await expungeMessages(t.database.db, inbox.id, [uids[4]]);
  await assertCountsExact();
  await deleteFolder(t.database.db, accountId, 'Work');
  await assertCountsExact();
});

test('a page is sorted by date, sender, subject or size, with the total from the counts', async () => {
  const sorted = await createFolder(t.database.db, accountId, 'Sorted');
  for (const [from, subject, body] of [['b <b@x>', 'Charlie', 'xx'], ['A <a@x>', 'bravo', 'xxxxxxxx'], ['c <c@x>', 'Alpha', 'x']]) {
    await appendMessage(t.database.db, sorted, mail(from, subject, body));
  }
  const subjects = async (opts: Parameters<typeof listFolderPage>[2]) => (await listFolderPage(t.database.db, sorted.id, opts)).items.map((m) => m.subject);
  assert.deepEqual(await subjects({ sort: 'date' }), ['Alpha', 'bravo', 'Charlie']);
  assert.deepEqual(await subjects({ sort: 'from', descending: false }), ['bravo', 'Charlie', 'Alpha']);
  assert.deepEqual(await subjects({ sort: 'subject', descending: false }), ['Alpha', 'bravo', 'Charlie']);
  assert.deepEqual(await subjects({ sort: 'size', descending: true }), ['bravo', 'Charlie', 'Alpha']);
  const page = await listFolderPage(t.database.db, sorted.id, { limit: 2, offset: 2, sort: 'subject', descending: false });
  assert.equal(page.total, 3);
  assert.deepEqual(page.items.map((m) => m.subject), ['Charlie']);
  assert.equal((await listFolderPage(t.database.db, sorted.id, { unseenOnly: true })).total, 3);
});

test('search fields narrow the result and the count stops at 1,000', async () => {
  const found = await findMessages(t.database.db, accountId, { from: 'b@x', subject: 'charl' });
  assert.deepEqual(found.items.map((m) => m.subject), ['Charlie']);
  assert.equal(found.totalIsAtLeast, false);
  assert.equal((await findMessages(t.database.db, accountId, { subject: '100%_' })).total, 0, 'LIKE wildcards are taken literally');
});
