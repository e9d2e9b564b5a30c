import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  appendMessage, changesSince, createFolder, fetchMessages, folderTotals, type FolderChange, getFolderById, listenForFolderChanges, readMarkingSeen,
} from '../../../src/mail/store/index.ts';
import { worldDatabase } from '../../helpers/world-database.ts';

/** FETCH BODY[]'s one statement: the messages and their bytes, with \Seen set on those that lacked it. */
let jane: string;
const t = worldDatabase(async () => {
  jane = await t.idOf('jane.smith@care.example');
});

const mail = (subject: string) =>
  Buffer.from(`From: a@x.example\r\nTo: jane.smith@care.example\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@t>\r\n\r\nbody of ${subject}\r\n`);

test('reading marks the unseen messages only, with one new MODSEQ, new flags and one notification', async () => {
  const db = t.database.db;
  const folder = await createFolder(db, jane, 'Reading');
  const raws = [mail('one'), mail('two'), mail('three')];
  await appendMessage(db, folder, raws[0]);
  await appendMessage(db, folder, raws[1], { flags: ['\\Seen', '\\Flagged'] });
  await appendMessage(db, folder, raws[2], { flags: ['\\Answered'] });
  const before = (await getFolderById(db, folder.id))!.highestModseq;
  const heard: FolderChange[] = [];
  const stop = await listenForFolderChanges(t.database, (c) => c.folderId === folder.id && heard.push(c));
  try {
    const read = await readMarkingSeen(db, folder.id, [3, 1, 2], { raw: true, bodyStructure: false });
    assert.deepEqual(read.map((m) => m.uid), [1, 2, 3], 'in UID order');
    assert.deepEqual(read.map((m) => m.markedSeen), [true, false, true]);
    assert.deepEqual(read.map((m) => m.flags), [['\\Seen'], ['\\Seen', '\\Flagged'], ['\\Answered', '\\Seen']]);
    assert.deepEqual(read.map((m) => m.raw), raws, 'the bytes as stored');
    assert.equal(read[0].modseq, before + 1);
    assert.equal(read[2].modseq, before + 1);
    assert.ok(read[1].modseq <= before, 'an already read message keeps its MODSEQ');
    assert.equal((await getFolderById(db, folder.id))!.highestModseq, before + 1);
    for (let i = 0; i < 50 && !heard.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard.map((h) => h.modseq), [before + 1]);

    // reading again writes nothing: no MODSEQ, no notification, the same flags
    const again = await readMarkingSeen(db, folder.id, [1, 2, 3], { raw: false });
    assert.ok(again.every((m) => !m.markedSeen && m.raw === undefined));
    assert.equal((await getFolderById(db, folder.id))!.highestModseq, before + 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(heard.length, 1);
    const ch = await changesSince(db, folder.id, before);
    assert.deepEqual(ch.changed.map((c) => c.uid), [1, 3]);
    const stored = await fetchMessages(db, folder.id, { from: 1, to: null });
    assert.deepEqual(stored.map((m) => m.flags), read.map((m) => m.flags));
  } finally {
    await stop();
  }
});

test('unread counts follow, unknown UIDs are skipped, and CHANGEDSINCE limits both reading and marking', async () => {
  const db = t.database.db;
  const folder = await createFolder(db, jane, 'Counted');
  for (let i = 0; i < 4; i++) await appendMessage(db, folder, mail(`n${i}`));
  const mid = (await getFolderById(db, folder.id))!.highestModseq;
  assert.equal((await folderTotals(db, jane)).get(folder.id)!.unseen, 4);
  assert.deepEqual(await readMarkingSeen(db, folder.id, [99], {}), []);
  // only message 4 changed after `mid - 1`: the others are neither returned nor marked
  const limited = await readMarkingSeen(db, folder.id, [1, 2, 3, 4], { raw: true }, mid - 1);
  assert.deepEqual(limited.map((m) => [m.uid, m.markedSeen]), [[4, true]]);
  assert.equal((await folderTotals(db, jane)).get(folder.id)!.unseen, 3);
  const rest = await readMarkingSeen(db, folder.id, [1, 2, 3, 4, 99], {});
  assert.deepEqual(rest.map((m) => [m.uid, m.markedSeen]), [[1, true], [2, true], [3, true], [4, false]]);
  assert.equal((await folderTotals(db, jane)).get(folder.id)!.unseen, 0);
});

test('two readers of the same unseen message: one marks it, both get it, the MODSEQ rises once', async () => {
  const db = t.database.db;
  const folder = await createFolder(db, jane, 'Raced');
  await appendMessage(db, folder, mail('raced'));
  const before = (await getFolderById(db, folder.id))!.highestModseq;
  const both = await Promise.all([readMarkingSeen(db, folder.id, [1], { raw: true }), readMarkingSeen(db, folder.id, [1], { raw: true })]);
  assert.ok(both.every((r) => r.length === 1 && r[0].raw!.toString().includes('body of raced')));
  assert.equal(both.filter((r) => r[0].markedSeen).length, 1);
  assert.equal((await getFolderById(db, folder.id))!.highestModseq, before + 1);
});
