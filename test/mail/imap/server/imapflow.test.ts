/**
 * imapflow, a client library no one here wrote, against our server: signing
 * in, listing, fetching, flags, search, copy/move/expunge, IDLE, quota, and
 * two clients on one mailbox seeing each other's changes in order.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import { imapWorld, JANE, PASSWORD, sampleMessage, TOM, type ImapWorld } from './helpers.ts';

let world: ImapWorld;

before(async () => {
  world = await imapWorld();
  for (let n = 1; n <= 20; n++) await world.deliver(JANE, sampleMessage(n));
});
after(() => world.close());

function client(user = JANE, pass = PASSWORD): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1', port: world.server.port, secure: false, auth: { user, pass }, logger: false,
    tls: { rejectUnauthorized: false }, clientInfo: { name: 'imapflow-test', version: '2.1' },
  });
}

test('imapflow signs in over STARTTLS, lists folders, fetches envelopes and bodies', async () => {
  const c = client();
  await c.connect();
  assert.ok(c.secureConnection, 'imapflow upgraded with STARTTLS');
  const folders = await c.list();
  assert.deepEqual(folders.map((f) => f.path).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  assert.equal(folders.find((f) => f.path === 'Sent')?.specialUse, '\\Sent');
  const lock = await c.getMailboxLock('INBOX');
  try {
    assert.equal((c.mailbox as { exists: number }).exists, 20);
    const seen: string[] = [];
    for await (const m of c.fetch('1:*', { envelope: true, flags: true, size: true, uid: true })) seen.push(m.envelope!.subject!);
    assert.equal(seen.length, 20);
    assert.equal(seen[0], 'Message 1');
    const one = await c.fetchOne('3', { source: true, bodyStructure: true });
    assert.ok(one);
    assert.match(one.source!.toString(), /Body of message 3\./);
    assert.equal(one.bodyStructure!.type, 'text/plain');
    const { content } = await c.download('4', '1');
    let text = '';
    for await (const chunk of content!) text += chunk;
    assert.match(text, /Body of message 4/);
  } finally {
    lock.release();
  }
  await c.logout();
});

test('flags, search, copy, move and expunge through imapflow', async () => {
  const c = client();
  await c.connect();
  await c.mailboxOpen('INBOX');
  assert.ok(await c.messageFlagsAdd('1:3', ['\\Flagged', '$Urgent']));
  assert.deepEqual(await c.search({ flagged: true }), [1, 2, 3]);
  assert.deepEqual(await c.search({ keyword: '$Urgent' }), [1, 2, 3]);
  assert.deepEqual(await c.search({ subject: 'Message 20' }), [20]);
  const copied = await c.messageCopy('1', 'Archive');
  assert.ok(copied && copied.uidMap && copied.uidMap.size === 1);
  const moved = await c.messageMove('2', 'Trash');
  assert.ok(moved && moved.uidMap && moved.uidMap.size === 1);
  assert.equal((c.mailbox as { exists: number }).exists, 19);
  await c.messageDelete('1');
  assert.equal((c.mailbox as { exists: number }).exists, 18);
  const status = await c.status('Archive', { messages: true, uidNext: true });
  assert.ok(status);
  assert.equal(status.messages, 1);
  const quota = await c.getQuota('INBOX');
  assert.ok(quota && quota.storage && quota.storage.limit === 4 * 1024 ** 3);
  const appended = await c.append('Drafts', sampleMessage(99), ['\\Draft']);
  assert.ok(appended && appended.uid === 1);
  await c.logout();
});

test('two clients on one mailbox see each other\'s flag changes and expunges, in order', async () => {
  const a = client();
  const b = client();
  await a.connect();
  await b.connect();
  await a.mailboxOpen('INBOX');
  await b.mailboxOpen('INBOX');
  const bEvents: string[] = [];
  b.on('flags', (e) => bEvents.push(`flags ${e.seq} ${[...e.flags].join(',')}`));
  b.on('expunge', (e) => bEvents.push(`expunge ${e.seq}`));
  b.on('exists', (e) => bEvents.push(`exists ${e.count}`));
  const first = await a.fetchOne('1', { uid: true });
  assert.ok(first);
  const firstUid = first.uid;
  await a.messageFlagsAdd('2', ['\\Seen']);
  await a.messageDelete('1');
  await world.deliver(JANE, sampleMessage(500));
  await b.noop();
  assert.deepEqual(bEvents, ['expunge 1', 'exists 18', 'flags 1 \\Seen']);
  // UIDs are never reused: the next message gets a UID above every one seen
  const uids = (await b.search({ all: true }, { uid: true })) as number[];
  assert.ok(!uids.includes(firstUid));
  assert.ok(Math.max(...uids) > 20);
  await a.logout();
  await b.logout();
});

test('IDLE announces a message delivered by another session', async () => {
  const c = client();
  await c.connect();
  await c.mailboxOpen('INBOX');
  const before = (c.mailbox as { exists: number }).exists;
  const got = new Promise<number>((resolve) => c.on('exists', (e) => resolve(e.count)));
  void c.idle();
  await new Promise((r) => setTimeout(r, 200));
  await world.deliver(JANE, sampleMessage(600));
  const count = await Promise.race([got, new Promise<number>((_r, reject) => setTimeout(() => reject(new Error('no EXISTS within 3 s')), 3000))]);
  assert.equal(count, before + 1);
  await c.logout();
});

test('a wrong password is refused, and a locked account is refused with a clear text', async () => {
  const c = client(JANE, 'not-the-password');
  await assert.rejects(c.connect(), (err: Error & { responseText?: string }) => /Wrong email address or password/.test(err.responseText ?? err.message));
  const tomId = await world.accountId(TOM);
  await sql`update accounts set locked_until = now() + interval '1 hour' where id = ${tomId}`.execute(world.database.db);
  const locked = client(TOM, PASSWORD);
  await assert.rejects(locked.connect(), (err: Error & { responseText?: string }) => /locked after too many failed sign-ins/.test(err.responseText ?? err.message));
  // the client's ID name reaches the sign-in record LAs read
  const row = await sql<{ detail: { client: string | null }; front_door: string }>`
    select detail, front_door from audit_events where action = 'sign_in' and target_id = ${tomId} order by seq desc limit 1`.execute(world.database.db);
  assert.equal(row.rows[0].front_door, 'imap');
  assert.match(String(row.rows[0].detail.client), /imapflow-test/);
});
