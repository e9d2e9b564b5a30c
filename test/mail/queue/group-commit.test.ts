import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptMessage } from '../../../src/mail/queue/accept.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

let database: TestDatabase;
before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
});
after(async () => database.close());

const message = (i: number) => Buffer.from(`From: a${i}@partner.example\r\nSubject: group ${i}\r\n\r\nBody ${i}\r\n`);

test('messages accepted at the same moment share a write, and each caller gets its own queue entries', async () => {
  const accepted = await Promise.all(Array.from({ length: 40 }, (_, i) => acceptMessage(database.db, {
    from: `a${i}@partner.example`, recipients: i % 2 ? ['jane.smith@care.example'] : ['jane.smith@care.example', `x${i}@partner.example`],
    raw: message(i), origin: 'mx', localDomains: ['care.example'],
  })));
  for (const [i, a] of accepted.entries()) {
    const rows = await database.db.selectFrom('mail_queue').select(['id', 'kind', 'mail_from', 'recipients', 'blob_sha256']).where('id', 'in', a.queueIds).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => [r.kind, r.mail_from, r.recipients]), i % 2
      ? [['local', `a${i}@partner.example`, ['jane.smith@care.example']]]
      : [['local', `a${i}@partner.example`, ['jane.smith@care.example']], ['remote', `a${i}@partner.example`, [`x${i}@partner.example`]]]);
    assert.ok(rows.every((r) => r.blob_sha256 === a.sha256));
  }
  const blobs = await database.db.selectFrom('mail_blobs').select(['sha256', 'refs']).where('sha256', 'in', accepted.map((a) => a.sha256)).execute();
  assert.equal(blobs.length, 40);
  for (const [i, a] of accepted.entries()) assert.equal(blobs.find((b) => b.sha256 === a.sha256)!.refs, i % 2 ? 1 : 2);
});

test('one message the database refuses does not take the others sharing its write with it', async () => {
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => acceptMessage(database.db, {
    // A NUL byte cannot be stored in a text column: this one fails inside the shared statement.
    from: i === 4 ? 'bad\u0000@partner.example' : `ok${i}@partner.example`, recipients: ['jane.smith@care.example'],
    raw: message(100 + i), origin: 'mx', localDomains: ['care.example'],
  })));
  assert.deepEqual(results.map((r) => r.status), results.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
  const queued = await database.db.selectFrom('mail_queue').select('mail_from').where('mail_from', 'like', 'ok%').execute();
  assert.equal(queued.length, 9);
});

test('the same bytes accepted twice at once are stored once, with a reference for each', async () => {
  const raw = message(999);
  const [a, b] = await Promise.all([1, 2].map(() => acceptMessage(database.db, { from: 'same@partner.example', recipients: ['jane.smith@care.example'], raw, origin: 'mx', localDomains: ['care.example'] })));
  assert.equal(a.sha256, b.sha256);
  assert.notDeepEqual(a.queueIds, b.queueIds);
  const blob = await database.db.selectFrom('mail_blobs').select('refs').where('sha256', '=', a.sha256).executeTakeFirstOrThrow();
  assert.equal(blob.refs, 2);
});
