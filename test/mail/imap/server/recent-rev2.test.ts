/**
 * \Recent as RFC 3501 2.3.2 defines it (one session, the first to select the
 * mailbox after a message arrived, sees it as recent), IMAP4rev2 sessions
 * after ENABLE IMAP4rev2 (RFC 9051), and the shared namespace that is ready
 * for shared mailboxes but holds none yet. Raw exchanges over real sockets,
 * and imapflow, which enables IMAP4rev2 by itself when it is offered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { imapWorld, JANE, PASSWORD, RawClient, sampleMessage, TOM, type ImapWorld, signedIn } from './helpers.ts';

let world: ImapWorld;

before(async () => {
  world = await imapWorld();
});
after(() => world.close());


const recentOf = (reply: string) => Number(/\* (\d+) RECENT/.exec(reply)?.[1] ?? -1);

test('a new message is recent to exactly one session: the first to select its folder, or the first to hear of it', async () => {
  for (let n = 1; n <= 3; n++) await world.deliver(TOM, sampleMessage(n));
  const a = await signedIn(world, TOM);
  const b = await signedIn(world, TOM);
  const watcher = await signedIn(world, TOM);
  assert.match(await watcher.command('s0', 'STATUS INBOX (MESSAGES RECENT)'), /\* STATUS INBOX \(MESSAGES 3 RECENT 3\)/);
  // EXAMINE looks without taking (RFC 3501 6.3.2)
  assert.equal(recentOf(await watcher.command('e1', 'EXAMINE INBOX')), 3);
  assert.match(await watcher.command('e2', 'FETCH 1 FLAGS'), /\* 1 FETCH \(FLAGS \(\\Recent\)\)/);
  await watcher.command('e3', 'UNSELECT');

  assert.equal(recentOf(await a.command('a1', 'SELECT INBOX')), 3);
  assert.equal(recentOf(await b.command('b1', 'SELECT INBOX')), 0);
  assert.match(await a.command('a2', 'FETCH 1:* FLAGS'), /\* 3 FETCH \(FLAGS \(\\Recent\)\)/);
  assert.doesNotMatch(await b.command('b2', 'FETCH 1:* FLAGS'), /\\Recent/);
  assert.match(await b.command('b3', 'SEARCH RECENT'), /\* SEARCH\r\n/);
  assert.match(await b.command('b4', 'SEARCH OLD'), /\* SEARCH 1 2 3\r\n/);
  assert.match(await watcher.command('s1', 'STATUS INBOX (RECENT)'), /RECENT 0\)/);

  // a delivery while both have INBOX selected: the first to look claims it, in the database, so the other does not
  await world.deliver(TOM, sampleMessage(4));
  assert.match(await watcher.command('s2', 'STATUS INBOX (RECENT)'), /RECENT 1\)/);
  const first = await a.command('a3', 'NOOP');
  assert.match(first, /\* 4 EXISTS\r\n\* 4 RECENT\r\n/);
  const second = await b.command('b5', 'NOOP');
  assert.match(second, /\* 4 EXISTS\r\n\* 0 RECENT\r\n/);
  assert.match(await a.command('a4', 'SEARCH NEW'), /\* SEARCH 1 2 3 4\r\n/);
  await a.command('a5', 'STORE 4 +FLAGS.SILENT (\\Seen)');
  assert.match(await a.command('a6', 'SEARCH NEW'), /\* SEARCH 1 2 3\r\n/);
  assert.match(await a.command('a7', 'FETCH 4 FLAGS'), /\* 4 FETCH \(FLAGS \(\\Seen \\Recent\)\)/);
  // \Recent is the server's to give, never the client's to set
  assert.match(await b.command('b6', 'STORE 1 +FLAGS (\\Recent)'), /b6 BAD \\Recent cannot be set/);
  assert.match(await b.command('b7', 'STORE 1 FLAGS (\\Answered)'), /\* 1 FETCH \(FLAGS \(\\Answered\)\)/);
  const fresh = await signedIn(world, TOM);
  assert.equal(recentOf(await fresh.command('f1', 'SELECT INBOX')), 0);
  for (const c of [a, b, watcher, fresh]) c.close();
});

test('sessions selecting at the same moment share the new messages between them without overlap', async () => {
  await world.deliver(TOM, sampleMessage(5), 'Archive');
  await world.deliver(TOM, sampleMessage(6), 'Archive');
  const clients = await Promise.all(Array.from({ length: 5 }, () => signedIn(world, TOM)));
  const counts = await Promise.all(clients.map(async (c, i) => recentOf(await c.command(`x${i}`, 'SELECT Archive'))));
  assert.equal(counts.reduce((s, n) => s + n, 0), 2, `RECENT counts ${counts.join(', ')}`);
  for (const c of clients) c.close();
});

test('ENABLE IMAP4rev2 drops \\Recent and RECENT, answers SEARCH with ESEARCH, LIST on SELECT, CLOSED, UTF-8 names', async () => {
  await world.deliver(JANE, sampleMessage(11));
  await world.deliver(JANE, sampleMessage(12));
  const c = await RawClient.connect(world.server.port);
  assert.match(await c.command('c0', 'CAPABILITY'), /^\* CAPABILITY IMAP4rev1 IMAP4rev2 /m);
  await c.command('l', `LOGIN ${JANE} ${PASSWORD}`);
  assert.match(await c.command('c1', 'ENABLE IMAP4rev2'), /\* ENABLED IMAP4rev2\r\n/);
  const sel = await c.command('c2', 'SELECT INBOX');
  assert.match(sel, /\* 2 EXISTS/);
  assert.match(sel, /\* LIST \(\) "\/" INBOX\r\n/);
  assert.doesNotMatch(sel, /RECENT/);
  assert.doesNotMatch(await c.command('c3', 'FETCH 1:* FLAGS'), /\\Recent/);
  assert.match(await c.command('c4', 'SEARCH ALL'), /\* ESEARCH \(TAG "c4"\) ALL 1:2\r\n/);
  assert.match(await c.command('c5', 'UID SEARCH ALL'), /\* ESEARCH \(TAG "c5"\) UID ALL 1:2\r\n/);
  assert.match(await c.command('c6', 'SEARCH SUBJECT "nothing like this"'), /\* ESEARCH \(TAG "c6"\)\r\n/);
  assert.match(await c.command('c7', 'SELECT Sent'), /^\* OK \[CLOSED\]/m);
  // UTF-8 names both ways; a rev1 session sees the same folder in modified UTF-7
  assert.match(await c.command('c8', 'CREATE "Clinic Café/Notes"'), /c8 OK/);
  const listed = Buffer.from(await c.command('c9', 'LIST "" "Clinic*"'), 'latin1').toString('utf8');
  assert.match(listed, /\* LIST \(\\NonExistent \\HasChildren\) "\/" "Clinic Café"\r\n/);
  assert.match(listed, /\* LIST \(\\HasNoChildren\) "\/" "Clinic Café\/Notes"\r\n/);
  const old = await signedIn(world);
  assert.match(await old.command('o1', 'LIST "" "Clinic*"'), /\* LIST \(\\Noselect \\HasChildren\) "\/" "Clinic Caf&AOk-"\r\n/);
  assert.match(await old.command('o2', 'STATUS "Clinic Caf&AOk-/Notes" (MESSAGES)'), /\* STATUS "Clinic Caf&AOk-\/Notes" \(MESSAGES 0\)/);
  assert.match(await c.command('c10', 'DELETE "Clinic Café/Notes"'), /c10 OK/);
  c.close();
  old.close();
});

test('NAMESPACE offers "Shared/" for shared mailboxes, and listing it answers cleanly with nothing yet', async () => {
  const c = await signedIn(world);
  assert.match(await c.command('n1', 'NAMESPACE'), /^\* NAMESPACE \(\("" "\/"\)\) NIL \(\("Shared\/" "\/"\)\)\r\n/m);
  for (const pattern of ['Shared/*', 'Shared/%', 'Shared']) {
    assert.match(await c.command('n2', `LIST "" "${pattern}"`), /^n2 OK LIST completed\r\n$/, pattern);
  }
  assert.match(await c.command('n3', 'LIST "Shared/" "*"'), /^n3 OK LIST completed\r\n$/);
  assert.match(await c.command('n4', 'SELECT Shared/Team'), /n4 NO \[NONEXISTENT\]/);
  c.close();
});

test('imapflow enables IMAP4rev2 by itself and works in it: folders, status, fetch, search, flags', async () => {
  for (let n = 21; n <= 25; n++) await world.deliver(JANE, sampleMessage(n), 'Drafts');
  const c = new ImapFlow({
    host: '127.0.0.1', port: world.server.port, secure: false, auth: { user: JANE, pass: PASSWORD }, logger: false,
    tls: { rejectUnauthorized: false }, clientInfo: { name: 'imapflow-rev2-test', version: '2.1' },
  });
  await c.connect();
  try {
    assert.ok(c.capabilities.has('IMAP4rev2'));
    assert.ok(c.enabled.has('IMAP4REV2') || c.enabled.has('IMAP4rev2'), `enabled: ${[...c.enabled].join(' ')}`);
    const folders = await c.list({ statusQuery: { messages: true, unseen: true } });
    assert.equal((folders.find((f) => f.path === 'Drafts')?.status as { messages?: number } | undefined)?.messages, 5);
    const status = await c.status('Drafts', { messages: true, uidNext: true });
    assert.equal(status && status.messages, 5);
    const lock = await c.getMailboxLock('Drafts');
    try {
      const subjects: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true, flags: true })) {
        subjects.push(m.envelope!.subject!);
        assert.ok(!m.flags!.has('\\Recent'), 'no \\Recent in IMAP4rev2');
      }
      assert.deepEqual(subjects, ['Message 21', 'Message 22', 'Message 23', 'Message 24', 'Message 25']);
      assert.deepEqual(await c.search({ subject: 'Message 23' }, { uid: true }), [3]);
      assert.ok(await c.messageFlagsAdd('2:3', ['\\Flagged']));
      assert.deepEqual(await c.search({ flagged: true }), [2, 3]);
      const one = await c.fetchOne('4', { source: true });
      assert.match(one && one.source ? one.source.toString() : '', /Subject: Message 24/);
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
});
