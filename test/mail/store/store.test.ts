import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import {
  appendMessage, changesSince, copyMessages, deleteFolder, createFolder, expungeMessages, fetchMessages, getFolder, insertMessage,
  listenForFolderChanges, listFolders, listFoldersWithCounts, listMessages, mailboxUsage, moveMessages, readRaw, renameFolder,
  searchMessages, setFlags, listUids,
} from '../../../src/mail/store/index.ts';

let database: TestDatabase;
let jane: string;
let tom: string;

const message = (subject: string, body = 'Hello from the ward.') =>
  Buffer.from(
    `From: "Smith, Jonathan" <jonathan.smith@care.example>\r\nTo: Jane Smith <jane.smith@care.example>, team: a@x.example, b@x.example;\r\n` +
      `Subject: ${subject}\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@care.example>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\nSecond line\r\n`,
  );

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  const id = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  jane = await id('jane.smith@care.example');
  tom = await id('tom.baker@care.example');
});
after(() => database?.close());

test('the six standard folders appear on first use, with their special-use flags', async () => {
  const folders = await listFolders(database.db, jane);
  assert.deepEqual(folders.map((f) => [f.name, f.specialUse]), [
    ['INBOX', null], ['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Junk', '\\Junk'], ['Archive', '\\Archive'],
  ]);
  assert.ok(folders.every((f) => f.uidValidity > 0 && f.uidNext === 1));
});

test('asking for any standard folder by name makes them all on a new account, and an unknown name stays unknown', async () => {
  const amara = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'amara.okafor@care.example').executeTakeFirstOrThrow()).id;
  assert.equal((await database.db.selectFrom('mail_folders').select('id').where('account_id', '=', amara).execute()).length, 0);
  assert.equal(await getFolder(database.db, amara, 'No such folder'), null);
  const drafts = await getFolder(database.db, amara, 'Drafts');
  assert.equal(drafts?.specialUse, '\\Drafts');
  assert.equal((await database.db.selectFrom('mail_folders').select('id').where('account_id', '=', amara).execute()).length, 6);
});

test('one message to many mailboxes stores its bytes once, and the last delete removes them', async () => {
  const janeInbox = (await getFolder(database.db, jane, 'INBOX'))!;
  const tomInbox = (await getFolder(database.db, tom, 'inbox'))!;
  const raw = message('Shared note');
  const copies = await database.db.transaction().execute((trx) =>
    insertMessage(trx, raw, [{ folderId: janeInbox.id, accountId: jane }, { folderId: tomInbox.id, accountId: tom }]),
  );
  assert.equal(copies.length, 2);
  const blobs = await database.db.selectFrom('mail_blobs').select(['sha256', 'refs']).execute();
  assert.equal(blobs.length, 1);
  assert.equal(blobs[0].refs, 2);
  const [stored] = await fetchMessages(database.db, janeInbox.id, { from: 1, to: null });
  assert.equal(stored.envelope.subject, 'Shared note');
  assert.deepEqual(stored.envelope.from, [{ name: 'Smith, Jonathan', mailbox: 'jonathan.smith', host: 'care.example' }]);
  assert.deepEqual(stored.envelope.to?.[1], { group: 'team', members: [{ name: null, mailbox: 'a', host: 'x.example' }, { name: null, mailbox: 'b', host: 'x.example' }] });
  assert.equal((stored.bodyStructure as { lines?: number }).lines, 2);
  assert.deepEqual(await readRaw(database.db, stored.blobSha256), raw);

  await expungeMessages(database.db, janeInbox.id, [stored.uid]);
  assert.equal((await database.db.selectFrom('mail_blobs').select('refs').executeTakeFirstOrThrow()).refs, 1);
  await expungeMessages(database.db, tomInbox.id, [copies.find((c) => c.accountId === tom)!.uid]);
  assert.equal((await database.db.selectFrom('mail_blobs').select('sha256').execute()).length, 0);
  assert.equal((await mailboxUsage(database.db, jane)).usedBytes, 0);
});

test('UIDs are never reused, MODSEQ rises on every change, and changesSince reports flags and expunges', async () => {
  const archive = await createFolder(database.db, jane, 'Projects/2026');
  const a = await appendMessage(database.db, archive, message('First'));
  const b = await appendMessage(database.db, archive, message('Second'), { flags: ['\\seen', 'urgent'] });
  assert.deepEqual([a.uid, b.uid], [1, 2]);
  const before = (await getFolder(database.db, jane, 'Projects/2026'))!.highestModseq;
  const flagged = await setFlags(database.db, archive.id, [1, 2], 'add', ['\\Flagged']);
  assert.equal(flagged.updated.length, 2);
  assert.ok(flagged.updated[0].modseq > before);
  const conditional = await setFlags(database.db, archive.id, [1], 'add', ['\\Answered'], { unchangedSince: before });
  assert.deepEqual(conditional.modified, [1]);
  await expungeMessages(database.db, archive.id, [1]);
  const c = await appendMessage(database.db, archive, message('Third'));
  assert.equal(c.uid, 3, 'the expunged UID 1 is not given again');
  const changes = await changesSince(database.db, archive.id, before);
  assert.deepEqual(changes.expunged, [1]);
  assert.deepEqual(changes.changed.map((m) => m.uid), [2, 3]);
  assert.deepEqual(changes.changed[0].flags, ['\\Seen', 'urgent', '\\Flagged']);
});

test('copy shares the bytes, move keeps flags, rename and delete take the folders below', async () => {
  const src = await createFolder(database.db, jane, 'Moves');
  const dst = await createFolder(database.db, jane, 'Moves/Done');
  await appendMessage(database.db, src, message('To move'), { flags: ['\\Seen'] });
  await appendMessage(database.db, src, message('To copy'));
  const copied = await copyMessages(database.db, src.id, [2], dst.id);
  assert.deepEqual(copied, [{ from: 2, to: 1 }]);
  const moved = await moveMessages(database.db, src.id, [1], dst.id);
  assert.deepEqual(moved, [{ from: 1, to: 2 }]);
  assert.deepEqual(await listUids(database.db, src.id), [2]);
  const list = await listMessages(database.db, dst.id, { sort: 'subject', descending: false });
  assert.deepEqual(list.items.map((i) => [i.subject, i.seen]), [['To copy', false], ['To move', true]]);
  const sha = await database.db.selectFrom('mail_messages').select(['blob_sha256']).where('subject', '=', 'To copy').execute();
  assert.equal(new Set(sha.map((r) => r.blob_sha256)).size, 1);
  await renameFolder(database.db, jane, 'Moves', 'Old moves');
  assert.ok(await getFolder(database.db, jane, 'Old moves/Done'));
  const counts = await listFoldersWithCounts(database.db, jane);
  assert.equal(counts.find((f) => f.name === 'Old moves/Done')!.messages, 2);
  await deleteFolder(database.db, jane, 'Old moves/Done');
  await deleteFolder(database.db, jane, 'Old moves');
  const usage = await mailboxUsage(database.db, jane);
  const sum = await sql<{ n: string }>`select coalesce(sum(size),0) as n from mail_messages where account_id = ${jane}`.execute(database.db);
  assert.equal(usage.usedBytes, Number(sum.rows[0].n));
});

test('search finds words in the body and subject; a change notifies listeners', async () => {
  const inbox = (await getFolder(database.db, tom, 'INBOX'))!;
  const seen: string[] = [];
  const stop = await listenForFolderChanges(database, (c) => seen.push(c.folderId));
  await appendMessage(database.db, inbox, message('Discharge summary', 'Patient discharged with physiotherapy referral.'));
  const found = await searchMessages(database.db, tom, 'physiotherapy');
  assert.equal(found.total, 1);
  assert.equal(found.items[0].subject, 'Discharge summary');
  assert.equal((await searchMessages(database.db, tom, 'cardiology')).total, 0);
  for (let i = 0; i < 50 && !seen.includes(inbox.id); i++) await new Promise((r) => setTimeout(r, 20));
  await stop();
  assert.ok(seen.includes(inbox.id));
});
