/**
 * The store's one-statement writers (setFlags, appendMessage) and \Recent
 * claims, against a real database: the rules they keep, and that concurrent
 * callers neither lose each other's changes nor share a recent message.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import {
  appendMessage, changesSince, claimRecent, createFolder, fetchMessages, getFolderById, listenForFolderChanges, mailboxUsage, peekRecent,
  QuotaExceededError, recentCount, setFlags, setQuota, type FolderChange,
} from '../../../src/mail/store/index.ts';

let database: TestDatabase;
let jane: string;

const message = (n: number) => Buffer.from(`From: a@x.example\r\nSubject: Note ${n}\r\nMessage-ID: <note${n}@x.example>\r\n\r\nBody ${n}\r\n`);

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
});
after(() => database?.close());

test('setFlags adds, removes and replaces without regard to case, and a change that changes nothing raises no MODSEQ', async () => {
  const folder = await createFolder(database.db, jane, 'Flags');
  for (let n = 1; n <= 3; n++) await appendMessage(database.db, folder, message(n), { flags: n === 1 ? ['Urgent', '\\Seen'] : [] });
  const added = await setFlags(database.db, folder.id, [1, 2, 3], 'add', ['urgent', '\\flagged']);
  assert.deepEqual(added.updated.map((u) => [u.uid, u.flags]), [[1, ['Urgent', '\\Seen', '\\Flagged']], [2, ['urgent', '\\Flagged']], [3, ['urgent', '\\Flagged']]]);
  assert.equal(new Set(added.updated.map((u) => u.modseq)).size, 1, 'one MODSEQ per call');
  const modseq = (await getFolderById(database.db, folder.id))!.highestModseq;
  assert.equal(modseq, added.updated[0].modseq);
  assert.deepEqual(await setFlags(database.db, folder.id, [1, 2, 3], 'add', ['URGENT']), { updated: [], modified: [] });
  assert.deepEqual(await setFlags(database.db, folder.id, [2], 'replace', ['\\FLAGGED', 'Urgent']), { updated: [], modified: [] });
  assert.equal((await getFolderById(database.db, folder.id))!.highestModseq, modseq, 'nothing changed, so no new MODSEQ');
  const removed = await setFlags(database.db, folder.id, [1, 2], 'remove', ['URGENT', '\\Seen']);
  assert.deepEqual(removed.updated.map((u) => [u.uid, u.flags]), [[1, ['\\Flagged']], [2, ['\\Flagged']]]);
  const replaced = await setFlags(database.db, folder.id, [3], 'replace', ['\\Seen', '\\Recent']);
  assert.deepEqual(replaced.updated.map((u) => u.flags), [['\\Seen']]);
  const [m3] = await fetchMessages(database.db, folder.id, { from: 3, to: 3 });
  assert.deepEqual(m3.flags, ['\\Seen']);
  const conditional = await setFlags(database.db, folder.id, [1, 3], 'add', ['\\Answered'], { unchangedSince: removed.updated[0].modseq });
  assert.deepEqual(conditional.modified, [3]);
  assert.deepEqual(conditional.updated.map((u) => u.uid), [1]);
  const ch = await changesSince(database.db, folder.id, replaced.updated[0].modseq);
  assert.deepEqual(ch.changed.map((c) => [c.uid, c.flags]), [[1, ['\\Flagged', '\\Answered']]]);
});

test('concurrent flag changes on the same messages all land, and each notifies once', async () => {
  const folder = await createFolder(database.db, jane, 'Busy');
  for (let n = 1; n <= 4; n++) await appendMessage(database.db, folder, message(100 + n));
  const heard: FolderChange[] = [];
  const stop = await listenForFolderChanges(database, (c) => c.folderId === folder.id && heard.push(c));
  const keywords = Array.from({ length: 8 }, (_, i) => `k${i}`);
  const results = await Promise.all(keywords.map((k) => setFlags(database.db, folder.id, [1, 2, 3, 4], 'add', [k])));
  const msgs = await fetchMessages(database.db, folder.id, { from: 1, to: null });
  for (const m of msgs) assert.deepEqual([...m.flags].sort(), [...keywords].sort(), `UID ${m.uid}`);
  const modseqs = results.map((r) => r.updated[0].modseq);
  assert.equal(new Set(modseqs).size, keywords.length, 'each call got its own MODSEQ');
  for (let i = 0; i < 50 && heard.length < keywords.length; i++) await new Promise((r) => setTimeout(r, 20));
  await stop();
  assert.deepEqual(heard.map((h) => h.modseq).sort((a, b) => a - b), [...modseqs].sort((a, b) => a - b));
});

test('appendMessage stores the bytes once, counts them once, and refuses beyond the quota', async () => {
  const folder = await createFolder(database.db, jane, 'Appended');
  const before = await mailboxUsage(database.db, jane);
  const raw = message(200);
  const a = await appendMessage(database.db, folder, raw, { flags: ['\\Seen', '\\Draft'], internalDate: new Date('2026-01-02T03:04:05Z') });
  const b = await appendMessage(database.db, folder, raw);
  assert.deepEqual([a.uid, b.uid], [1, 2]);
  assert.ok(b.modseq > a.modseq);
  const [m] = await fetchMessages(database.db, folder.id, { from: 1, to: 1 });
  assert.deepEqual(m.flags, ['\\Seen', '\\Draft']);
  assert.equal(m.internalDate.toISOString(), '2026-01-02T03:04:05.000Z');
  assert.equal(m.envelope.subject, 'Note 200');
  const blob = await database.db.selectFrom('mail_blobs').select('refs').where('sha256', '=', m.blobSha256).executeTakeFirstOrThrow();
  assert.equal(blob.refs, 2);
  const after = await mailboxUsage(database.db, jane);
  assert.equal(after.usedBytes - before.usedBytes, raw.length * 2);
  await setQuota(database.db, jane, after.usedBytes + 10);
  await assert.rejects(appendMessage(database.db, folder, message(201)), QuotaExceededError);
  const saved = await appendMessage(database.db, folder, message(202), { enforceQuota: false });
  assert.equal(saved.uid, 3);
  await setQuota(database.db, jane, 4 * 1024 ** 3);
});

test('\\Recent: concurrent claims split the new messages without overlap; peeking and counting claim nothing', async () => {
  const folder = await createFolder(database.db, jane, 'Recent');
  for (let n = 1; n <= 5; n++) await appendMessage(database.db, folder, message(300 + n));
  assert.equal(await recentCount(database.db, folder.id), 5);
  assert.deepEqual(await peekRecent(database.db, folder.id), { before: 0, after: 5 });
  const claims = await Promise.all(Array.from({ length: 6 }, () => claimRecent(database.db, folder.id)));
  const owned = claims.flatMap((c) => Array.from({ length: c.after - c.before }, (_, i) => c.before + 1 + i)).sort((a, b) => a - b);
  assert.deepEqual(owned, [1, 2, 3, 4, 5]);
  assert.equal(await recentCount(database.db, folder.id), 0);
  await appendMessage(database.db, folder, message(306));
  await appendMessage(database.db, folder, message(307));
  assert.deepEqual(await claimRecent(database.db, folder.id, 6), { before: 5, after: 6 });
  assert.deepEqual(await claimRecent(database.db, folder.id), { before: 6, after: 7 });
  assert.deepEqual(await claimRecent(database.db, folder.id, 3), { before: 7, after: 7 }, 'never goes back');
});
