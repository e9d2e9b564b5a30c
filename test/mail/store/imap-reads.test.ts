import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';
import {
  appendMessage, folderCounts, getFolder, messageFacts, readHeadersMany, readRawMany, uidsWithFlag, uidsWithHeaderText, type Folder,
} from '../../../src/mail/store/index.ts';

let database: TestDatabase;
let inbox: Folder;
const raws: Buffer[] = [];

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  const jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
  inbox = (await getFolder(database.db, jane, 'INBOX'))!;
  for (let n = 1; n <= 3; n++) {
    const raw = Buffer.from(`Subject: Clinic ${n}\r\nX-Ward: ${n === 2 ? 'Cardiology' : 'Renal'}\r\nFrom: a@x.example\r\n\r\nBody ${n} mentions Cardiology\r\n`);
    raws.push(raw);
    await appendMessage(database.db, inbox, raw, { flags: n === 3 ? ['\\Deleted'] : n === 1 ? ['\\Seen'] : [] });
  }
});
after(() => database.close());

test('bytes and header blocks of many messages come back in one call, keyed by their hash', async () => {
  const facts = await messageFacts(database.db, inbox.id);
  assert.deepEqual(facts.map((f) => f.uid), [1, 2, 3]);
  assert.equal(facts[1].envelope.subject, 'Clinic 2');
  const shas = facts.map((f) => f.blobSha256);
  const all = await readRawMany(database.db, shas);
  assert.deepEqual(shas.map((s) => all.get(s)), raws);
  const heads = await readHeadersMany(database.db, shas);
  assert.equal(heads.get(shas[0])!.toString(), 'Subject: Clinic 1\r\nX-Ward: Renal\r\nFrom: a@x.example\r\n\r\n');
});

test('STATUS counts, flagged UIDs and the header-text first pass', async () => {
  assert.deepEqual(await folderCounts(database.db, inbox.id), { messages: 3, unseen: 2, deleted: 1, bytes: raws.reduce((n, r) => n + r.length, 0) });
  assert.deepEqual(await uidsWithFlag(database.db, inbox.id, [1, 2, 3], '\\Deleted'), [3]);
  assert.deepEqual([...(await uidsWithHeaderText(database.db, inbox.id, 'cardiology'))!], [2], 'only headers are searched, not bodies');
  assert.equal(await uidsWithHeaderText(database.db, inbox.id, 'café'), null);
});
