import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../../../src/db/schema.ts';
import { ChangeHub } from '../../../../src/mail/imap/server/change-hub.ts';
import { SelectedMailbox } from '../../../../src/mail/imap/server/selected-mailbox.ts';
import { UidLists } from '../../../../src/mail/imap/server/uid-lists.ts';
import { appendMessage, createFolder, getFolderById, readMarkingSeen, setFlags } from '../../../../src/mail/store/index.ts';
import { worldDatabase } from '../../../helpers/world-database.ts';

/**
 * A session learns of changes from the change hub; its own changes need no
 * read of the folder, whichever arrives first: the reply to its statement or
 * the notification of it.
 */
let jane: string;
const t = worldDatabase(async () => {
  jane = await t.idOf('jane.smith@care.example');
});

const mail = () => Buffer.from(`From: a@x.example\r\nSubject: s\r\nMessage-ID: <${randomBytes(6).toString('hex')}@t>\r\n\r\nbody\r\n`);
/** A database that fails the test if the session reads the folder. */
const noReads = new Proxy({}, { get: () => { throw new Error('the session read the folder'); } }) as Kysely<DB>;
// IMAP4rev2 sessions, so that no \Recent flag (the messages are new to this session) enters the replies
const opts = { expungeAllowed: true, condstore: false, rev2: true };

test("a session's own change needs no read, even when its notification comes first", async () => {
  const db = t.database.db;
  const folder = await createFolder(db, jane, 'Own changes');
  for (let i = 0; i < 3; i++) await appendMessage(db, folder, mail());
  const hub = new ChangeHub();
  const sel = await SelectedMailbox.open(db, (await getFolderById(db, folder.id))!, false, hub, new UidLists());

  // the reply first, then the notification
  const [a] = await readMarkingSeen(db, folder.id, [1], {});
  sel.noteOwnChange([1], a.modseq);
  hub.changed(folder.id, a.modseq);
  assert.deepEqual(await sel.refresh(noReads, opts), []);

  // the notification first, then the reply
  const [b] = await readMarkingSeen(db, folder.id, [2], {});
  hub.changed(folder.id, b.modseq);
  sel.noteOwnChange([2], b.modseq);
  assert.deepEqual(await sel.refresh(noReads, opts), []);

  // someone else's change is read and reported, once
  const other = await setFlags(db, folder.id, [3], 'add', ['\\Flagged']);
  hub.changed(folder.id, other.updated[0].modseq);
  const news = (await sel.refresh(db, opts)).map((b) => b.toString());
  assert.deepEqual(news, ['* 3 FETCH (UID 3 FLAGS (\\Flagged))\r\n']);
  assert.deepEqual(await sel.refresh(noReads, opts), []);
  sel.close();
});

test('an own change after an unseen change by someone else still reports theirs', async () => {
  const db = t.database.db;
  const folder = await createFolder(db, jane, 'Interleaved');
  for (let i = 0; i < 2; i++) await appendMessage(db, folder, mail());
  const hub = new ChangeHub();
  const sel = await SelectedMailbox.open(db, (await getFolderById(db, folder.id))!, false, hub, new UidLists());
  const theirs = await setFlags(db, folder.id, [1], 'add', ['\\Flagged']);
  const [mine] = await readMarkingSeen(db, folder.id, [2], {});
  hub.changed(folder.id, mine.modseq);
  sel.noteOwnChange([2], mine.modseq);
  hub.changed(folder.id, theirs.updated[0].modseq);
  const news = (await sel.refresh(db, opts)).map((b) => b.toString());
  assert.deepEqual(news, ['* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\n'], 'theirs reported, mine not echoed');
  sel.close();
});
