/**
 * Raw protocol exchanges over a real socket, in the manner of the RFCs'
 * examples: what the client writes, and what the server's reply must contain.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { imapWorld, JANE, PASSWORD, RawClient, sampleMessage, type ImapWorld } from './helpers.ts';

let world: ImapWorld;

before(async () => {
  world = await imapWorld();
  for (let n = 1; n <= 5; n++) await world.deliver(JANE, sampleMessage(n, n === 3 ? { subject: 'Re: Message 1', extraHeaders: 'References: <msg1@nhs.example>\r\nIn-Reply-To: <msg1@nhs.example>\r\n' } : {}));
  await world.deliver(JANE, sampleMessage(6, { body: 'Discharge summary for ward 7' }), 'INBOX', ['\\Flagged']);
});
after(() => world.close());

/** [command, patterns the whole reply must match] run in order on one session. */
const EXCHANGES: Array<[string, RegExp[]]> = [
  ['CAPABILITY', [/^\* CAPABILITY IMAP4rev1 .*STARTTLS.*AUTH=PLAIN/m, /OK CAPABILITY completed/]],
  ['NOOP', [/^t\d+ OK NOOP completed/m]],
  ['SELECT INBOX', [/^t\d+ BAD SELECT is not allowed before signing in/m]],
  [`LOGIN ${JANE} wrong-password`, [/NO \[AUTHENTICATIONFAILED\] Wrong email address or password/]],
  [`LOGIN ${JANE} ${PASSWORD}`, [/OK \[CAPABILITY IMAP4rev1 .*IDLE.*UIDPLUS.*MOVE.*CONDSTORE.*QUOTA/]],
  ['LIST "" ""', [/^\* LIST \(\\Noselect\) "\/" ""/m]],
  ['LIST "" "%"', [/^\* LIST \(\\HasNoChildren\) "\/" INBOX/m, /\* LIST \(\\HasNoChildren \\Sent\) "\/" Sent/]],
  ['CREATE Projects/2026', [/OK CREATE completed/]],
  ['LIST "" "Projects/%"', [/\* LIST \(\\HasNoChildren\) "\/" Projects\/2026/]],
  ['LIST "" "%"', [/\* LIST \(\\Noselect \\HasChildren\) "\/" Projects/]],
  ['LIST (SPECIAL-USE) "" "*"', [/\\Sent\) "\/" Sent/, /^(?![\s\S]*"\/" INBOX)/]],
  ['LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))', [/\* STATUS INBOX \(MESSAGES 6 UNSEEN 6\)/]],
  ['RENAME Projects/2026 Projects/2027', [/OK RENAME completed/]],
  ['DELETE Projects/2027', [/OK DELETE completed/]],
  ['DELETE INBOX', [/NO \[CANNOT\] INBOX is a standard folder/]],
  ['CREATE Shared/Team', [/NO \[NOPERM\]/]],
  // STATUS HIGHESTMODSEQ turns CONDSTORE on (RFC 7162 3.1): FETCH replies carry MODSEQ from here
  ['STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ)', [/\* STATUS INBOX \(MESSAGES 6 UIDNEXT 7 UIDVALIDITY \d+ UNSEEN 6 DELETED 0 SIZE \d+ HIGHESTMODSEQ \d+\)/]],
  // EXAMINE shows the recent messages without taking them (RFC 3501 6.3.2); the SELECT after it takes all six
  ['EXAMINE INBOX', [/\* 6 EXISTS/, /\* 6 RECENT/, /\[UIDVALIDITY \d+\]/, /\[UIDNEXT 7\]/, /OK \[READ-ONLY\]/]],
  ['STORE 1 +FLAGS (\\Seen)', [/NO \[READ-ONLY\]/]],
  ['FETCH 1 BODY[TEXT]', [/\* 1 FETCH \(BODY\[TEXT\] \{\d+\}\r\nBody of message 1\.\r\n\)/]],
  ['SELECT INBOX', [/\* 6 EXISTS/, /\* 6 RECENT/, /\[PERMANENTFLAGS \(.*\\\*\)\]/, /OK \[READ-WRITE\]/]],
  ['STATUS INBOX (RECENT)', [/\* STATUS INBOX \(RECENT 0\)/]],
  ['FETCH 1 (FLAGS)', [/\* 1 FETCH \(FLAGS \(\\Recent\)\)/]],
  ['SEARCH RECENT', [/\* SEARCH 1 2 3 4 5 6\r\n/]],
  ['FETCH 2 BODY[]<0.4>', [/\* 2 FETCH \(BODY\[\]<0> \{4\}\r\nFrom FLAGS \(\\Seen \\Recent\) MODSEQ \(\d+\)\)/]],
  ['SEARCH NEW', [/\* SEARCH 1 3 4 5 6\r\n/]],
  ['SEARCH OLD', [/\* SEARCH\r\n/]],
  ['FETCH 2:3 (UID RFC822.SIZE INTERNALDATE)', [/\* 2 FETCH \(UID 2 RFC822.SIZE \d+ INTERNALDATE "\d\d-\w{3}-\d{4} /, /\* 3 FETCH \(UID 3/]],
  ['UID FETCH 6 (FLAGS)', [/\* 6 FETCH \(UID 6 FLAGS \(\\Flagged \\Recent\)\)/]],
  ['FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (DATE TO FROM MESSAGE-ID MIME-VERSION CONTENT-TYPE)])', [/\{\d+\}\r\nSubject: Message 1\r\n\r\n\)/]],
  ['STORE 1:2 +FLAGS (\\Deleted)', [/\* 1 FETCH \(UID 1 FLAGS \(\\Deleted \\Recent\) MODSEQ \(\d+\)\)/, /\* 2 FETCH \(UID 2 FLAGS \(\\Seen \\Deleted \\Recent\) MODSEQ \(\d+\)\)/]],
  ['SEARCH DELETED', [/\* SEARCH 1 2\r\n/]],
  ['SEARCH OR FLAGGED SUBJECT "message 4" NOT DELETED', [/\* SEARCH 4 6\r\n/]],
  ['SEARCH BODY "ward 7"', [/\* SEARCH 6\r\n/]],
  ['UID SEARCH HEADER Message-ID "msg5@"', [/\* SEARCH 5\r\n/]],
  ['SEARCH RETURN (COUNT MIN MAX) ALL', [/\* ESEARCH \(TAG "t\d+"\) MIN 1 MAX 6 COUNT 6/]],
  ['SEARCH CHARSET KOI8-Q ALL', [/NO \[BADCHARSET\]/]],
  ['EXPUNGE', [/\* 2 EXPUNGE\r\n\* 1 EXPUNGE\r\n/, /OK EXPUNGE completed/]],
  ['FETCH 1 (UID)', [/\* 1 FETCH \(UID 3\)/]],
  ['THREAD REFERENCES UTF-8 ALL', [/\* THREAD \(1\)\(2\)\(3\)\(4\)|\* THREAD /]],
  ['UID SORT (REVERSE ARRIVAL) UTF-8 ALL', [/\* SORT 6 5 4 3\r\n/]],
  ['COPY 1 Archive', [/OK \[COPYUID \d+ 3 1\] COPY completed/]],
  ['UID MOVE 4 Trash', [/\* OK \[COPYUID \d+ 4 1\]/, /\* 2 EXPUNGE/, /OK MOVE completed/]],
  ['COPY 1 Nowhere', [/NO \[TRYCREATE\]/]],
  ['FETCH 1 (MODSEQ)', [/\* 1 FETCH \(MODSEQ \(\d+\)\)/]],
  ['STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Answered)', [/OK \[MODIFIED 1\]/]],
  ['GETQUOTAROOT INBOX', [/\* QUOTAROOT INBOX ""/, /\* QUOTA "" \(STORAGE \d+ 4194304\)/]],
  ['SETQUOTA "" (STORAGE 1)', [/NO \[NOPERM\]/]],
  ['NAMESPACE', [/\* NAMESPACE \(\("" "\/"\)\) NIL \(\("Shared\/" "\/"\)\)/]],
  ['ID ("name" "exchange-test" "version" "1")', [/\* ID \("name" "Caremail"/]],
  ['ENABLE CONDSTORE', [/\* ENABLED CONDSTORE|\* ENABLED\r\n/]],
  ['UNSELECT', [/OK UNSELECT completed/]],
  ['FETCH 1 FLAGS', [/BAD FETCH is not allowed without a selected mailbox/]],
  ['LOGOUT', [/\* BYE/, /OK LOGOUT completed/]],
];

test('the server answers the RFC exchanges as the RFCs show', async () => {
  const c = await RawClient.connect(world.server.port);
  let n = 0;
  for (const [cmd, patterns] of EXCHANGES) {
    const tag = `t${++n}`;
    const reply = await c.command(tag, cmd);
    for (const p of patterns) assert.match(reply, p, `${cmd}\n${reply}`);
  }
  c.close();
});

test('APPEND takes a synchronising literal after "+", a LITERAL+ one without, and answers APPENDUID', async () => {
  const c = await RawClient.connect(world.server.port);
  await c.command('a', `LOGIN ${JANE} ${PASSWORD}`);
  const msg = sampleMessage(50);
  c.write(`b APPEND Drafts (\\Draft) {${Buffer.byteLength(msg)}}\r\n`);
  assert.match(await c.readUntil((b) => b.includes('\r\n')), /^\+ /);
  c.write(`${msg}\r\n`);
  assert.match(await c.readUntil((b) => /b (OK|NO|BAD)/.test(b)), /b OK \[APPENDUID \d+ 1\] APPEND completed/);
  const reply = await c.command('c', `APPEND Drafts "02-Nov-2026 10:00:00 +0100" {${Buffer.byteLength(msg)}+}\r\n${msg}`);
  assert.match(reply, /c OK \[APPENDUID \d+ 2\]/);
  assert.match(await c.command('d', 'APPEND Nowhere {3+}\r\nabc'), /d NO \[TRYCREATE\]/);
  c.close();
});

test('AUTHENTICATE PLAIN works with an initial response and with a continuation, and * cancels', async () => {
  const c = await RawClient.connect(world.server.port);
  const token = Buffer.from(`\0${JANE}\0${PASSWORD}`).toString('base64');
  c.write('a AUTHENTICATE PLAIN\r\n');
  assert.match(await c.readUntil((b) => b.includes('\r\n')), /^\+ \r\n/);
  c.write('*\r\n');
  assert.match(await c.readUntil((b) => b.includes('a ')), /a BAD Authentication cancelled/);
  c.write('b AUTHENTICATE PLAIN\r\n');
  await c.readUntil((b) => b.includes('\r\n'));
  c.write(`${token}\r\n`);
  assert.match(await c.readUntil((b) => b.includes('b ')), /b OK \[CAPABILITY/);
  c.close();
  const d = await RawClient.connect(world.server.port);
  assert.match(await d.command('c', `AUTHENTICATE PLAIN ${token}`), /c OK \[CAPABILITY/);
  d.close();
});

test('another session\'s expunge is held back during FETCH and STORE, then sent before the next NOOP\'s OK', async () => {
  await world.deliver(JANE, sampleMessage(70), 'Junk');
  await world.deliver(JANE, sampleMessage(71), 'Junk');
  await world.deliver(JANE, sampleMessage(72), 'Junk');
  const a = await RawClient.connect(world.server.port);
  const b = await RawClient.connect(world.server.port);
  await a.command('a1', `LOGIN ${JANE} ${PASSWORD}`);
  await b.command('b1', `LOGIN ${JANE} ${PASSWORD}`);
  assert.match(await a.command('a2', 'SELECT Junk'), /\* 3 EXISTS/);
  await b.command('b2', 'SELECT Junk');
  await b.command('b3', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  await b.command('b4', 'EXPUNGE');
  await b.command('b5', 'STORE 1 +FLAGS (\\Flagged)');
  await new Promise((r) => setTimeout(r, 200));
  const fetch = await a.command('a3', 'FETCH 1:* (UID)');
  // flag news may come now (numbers do not move); the expunge may not, so message 3 is still number 3
  assert.doesNotMatch(fetch, /EXPUNGE/);
  assert.match(fetch, /\* 3 FETCH \(UID 3\)/);
  const store = await a.command('a4', 'STORE 3 +FLAGS (\\Seen)');
  assert.doesNotMatch(store, /EXPUNGE/);
  const noop = await a.command('a5', 'NOOP');
  assert.match(noop, /^\* 1 EXPUNGE\r\n/);
  assert.match(fetch + store + noop, /FETCH \(UID 2 FLAGS \(\\Flagged \\Recent\)\)/);
  assert.match(await a.command('a6', 'FETCH 1:* (UID)'), /\* 1 FETCH \(UID 2\)\r\n\* 2 FETCH \(UID 3\)/);
  a.close();
  b.close();
});
