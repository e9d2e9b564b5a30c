/**
 * The rest of IMAP4rev2 (RFC 9051): BINARY's APPEND of literal8 data with NUL
 * bytes and its FETCH answers (RFC 3516), UTF8=ACCEPT as its own ENABLE
 * (RFC 6855), and what a session that enabled IMAP4rev2 may no longer use,
 * while rev1 sessions keep it. Raw exchanges over real sockets, then imapflow
 * and python's imaplib.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { imapWorld, JANE, PASSWORD, RawClient, sampleMessage, TOM, type ImapWorld, runProgram, signedIn } from './helpers.ts';

const python = spawnSync('python3', ['--version']).status === 0;
let world: ImapWorld;

before(async () => {
  world = await imapWorld();
});
after(() => world.close());


/** Bytes a part with Content-Transfer-Encoding: binary may hold: NUL, bare LF, bare CR, 8-bit. */
const PAYLOAD = Buffer.from([0x00, 0x01, 0x0a, 0x41, 0x0d, 0x42, 0x00, 0xff, 0x0d, 0x0a, 0x43]);

function binaryMessage(subject: string): Buffer {
  return Buffer.concat([
    Buffer.from(
      `From: Ward 7 <ward7@care.example>\r\nTo: Jane Smith <jane.smith@care.example>\r\nSubject: ${subject}\r\n` +
      'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      '--b1\r\nContent-Type: text/plain\r\n\r\nSee the attached trace.\r\n' +
      '--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n',
    ),
    PAYLOAD,
    Buffer.from('\r\n--b1--\r\n'),
  ]);
}

/** Sends an APPEND whose message is a synchronising literal8, waiting for the server's "+" first. */
async function appendLiteral8(c: RawClient, tag: string, mailbox: string, message: Buffer): Promise<string> {
  c.write(`${tag} APPEND ${mailbox} ~{${message.length}}\r\n`);
  assert.match(await c.readUntil((b) => b.includes('\r\n')), /^\+ /);
  c.write(Buffer.concat([message, Buffer.from('\r\n')]));
  return c.readUntil((b) => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n`).test(b));
}

const bytes = (reply: string) => Buffer.from(reply, 'latin1');

test('BINARY and UTF8=ACCEPT are offered after sign-in, not before', async () => {
  const c = await RawClient.connect(world.server.port);
  const before = await c.command('c1', 'CAPABILITY');
  assert.match(before, /^\* CAPABILITY IMAP4rev1 IMAP4rev2 /);
  assert.doesNotMatch(before, /BINARY|UTF8=ACCEPT/);
  await c.command('l', `LOGIN ${JANE} ${PASSWORD}`);
  assert.match(await c.command('c2', 'CAPABILITY'), /^\* CAPABILITY IMAP4rev1 IMAP4rev2 .* QUOTA=RES-STORAGE BINARY UTF8=ACCEPT APPENDLIMIT=\d+\r\nc2 OK /);
  c.close();
});

test('APPEND ~{N} stores NUL, bare CR and LF as given; BINARY[] gives them back as ~{N}, BODY[] as {N} without NUL', async () => {
  const c = await signedIn(world);
  await c.command('s0', 'CREATE Traces');
  const message = binaryMessage('Binary trace');
  assert.match(await appendLiteral8(c, 'a1', 'Traces', message), /^a1 OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/);
  await c.command('s1', 'EXAMINE Traces');

  const part = await c.command('f1', 'FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] RFC822.SIZE)');
  assert.deepEqual(bytes(part), Buffer.concat([
    Buffer.from(`* 1 FETCH (BINARY[2] ~{${PAYLOAD.length}}\r\n`), PAYLOAD,
    Buffer.from(` BINARY.SIZE[2] ${PAYLOAD.length} RFC822.SIZE ${message.length})\r\nf1 OK FETCH completed\r\n`),
  ]));
  const whole = await c.command('f2', 'FETCH 1 BINARY.PEEK[]');
  assert.deepEqual(bytes(whole), Buffer.concat([
    Buffer.from(`* 1 FETCH (BINARY[] ~{${message.length}}\r\n`), message, Buffer.from(')\r\nf2 OK FETCH completed\r\n'),
  ]));
  // a part without NUL comes back as an ordinary literal (RFC 3516 4.3: a string when it can be)
  assert.equal(await c.command('f3', 'FETCH 1 BINARY.PEEK[1]'), '* 1 FETCH (BINARY[1] {23}\r\nSee the attached trace.)\r\nf3 OK FETCH completed\r\n');
  // a plain literal may not carry NUL: the text views show it as 0x80 and keep every size
  const asText = Buffer.from(PAYLOAD.map((b) => (b === 0 ? 0x80 : b)));
  assert.deepEqual(bytes(await c.command('f4', 'FETCH 1 BODY.PEEK[2]')), Buffer.concat([
    Buffer.from(`* 1 FETCH (BODY[2] {${PAYLOAD.length}}\r\n`), asText, Buffer.from(')\r\nf4 OK FETCH completed\r\n'),
  ]));
  const full = bytes(await c.command('f5', 'FETCH 1 BODY.PEEK[]'));
  assert.ok(full.subarray(0, 40).toString('latin1').startsWith(`* 1 FETCH (BODY[] {${message.length}}\r\n`));
  assert.equal(full.includes(0), false);
  c.close();
});

test('a non-synchronising literal8 and MULTIAPPEND work too', async () => {
  const c = await signedIn(world);
  await c.command('s0', 'CREATE Traces2');
  const one = binaryMessage('First');
  const two = binaryMessage('Second');
  c.write(Buffer.concat([
    Buffer.from(`a1 APPEND Traces2 (\\Seen) ~{${one.length}+}\r\n`), one, Buffer.from(` ~{${two.length}+}\r\n`), two, Buffer.from('\r\n'),
  ]));
  assert.match(await c.readUntil((b) => /a1 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)), /^a1 OK \[APPENDUID \d+ 1:2\] APPEND completed\r\n$/);
  await c.command('s1', 'SELECT Traces2');
  assert.deepEqual(bytes(await c.command('f1', 'FETCH 2 BINARY.PEEK[2]')), Buffer.concat([
    Buffer.from(`* 2 FETCH (BINARY[2] ~{${PAYLOAD.length}}\r\n`), PAYLOAD, Buffer.from(')\r\nf1 OK FETCH completed\r\n'),
  ]));
  c.close();
});

test('a NUL in a plain {N} literal is BAD and nothing is stored', async () => {
  const c = await signedIn(world);
  await c.command('s0', 'CREATE Refused');
  const withNul = Buffer.from('Subject: x\r\n\r\na\u0000b\r\n', 'latin1');
  c.write(`a1 APPEND Refused {${withNul.length}}\r\n`);
  assert.match(await c.readUntil((b) => b.includes('\r\n')), /^\+ /);
  c.write(Buffer.concat([withNul, Buffer.from('\r\n')]));
  assert.equal(await c.readUntil((b) => /a1 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)),
    'a1 BAD APPEND message holds a NUL byte; send binary content as a literal8 (~{N})\r\n');
  c.write(Buffer.concat([Buffer.from(`a2 APPEND Refused {${withNul.length}+}\r\n`), withNul, Buffer.from('\r\n')]));
  assert.equal(await c.readUntil((b) => /a2 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)),
    'a2 BAD APPEND message holds a NUL byte; send binary content as a literal8 (~{N})\r\n');
  // the connection reads on in step after the refusal
  assert.equal(await c.command('a3', 'STATUS Refused (MESSAGES)'), '* STATUS Refused (MESSAGES 0)\r\na3 OK STATUS completed\r\n');
  c.close();
});

test('BINARY of a part in a transfer encoding the server cannot undo is NO [UNKNOWN-CTE]', async () => {
  await world.deliver(JANE, 'Subject: old\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n' +
    '--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n`\r\nend\r\n--x--\r\n', 'Drafts');
  const c = await signedIn(world);
  await c.command('s1', 'EXAMINE Drafts');
  assert.equal(await c.command('f1', 'FETCH 1 BINARY.PEEK[2]'),
    'f1 NO [UNKNOWN-CTE] Part 2 has the transfer encoding x-uuencode, which this server cannot decode\r\n');
  assert.equal(await c.command('f2', 'FETCH 1 BINARY.SIZE[1]'), '* 1 FETCH (BINARY.SIZE[1] 2)\r\nf2 OK FETCH completed\r\n');
  // without .PEEK the refusal comes before \Seen would be set: the message stays unread
  await c.command('s2', 'SELECT Drafts');
  assert.equal(await c.command('f3', 'FETCH 1 BINARY[2]'),
    'f3 NO [UNKNOWN-CTE] Part 2 has the transfer encoding x-uuencode, which this server cannot decode\r\n');
  assert.equal(await c.command('f4', 'FETCH 1 FLAGS'), '* 1 FETCH (FLAGS (\\Recent))\r\nf4 OK FETCH completed\r\n');
  c.close();
});

test('ENABLE UTF8=ACCEPT: UTF-8 names both ways, UTF8 (~{N}) APPEND, SEARCH without CHARSET', async () => {
  const c = await signedIn(world);
  assert.equal(await c.command('e1', 'ENABLE UTF8=ACCEPT'), '* ENABLED UTF8=ACCEPT\r\ne1 OK ENABLE completed\r\n');
  assert.equal(await c.command('e2', 'ENABLE UTF8=ACCEPT'), '* ENABLED\r\ne2 OK ENABLE completed\r\n');
  assert.equal(await c.command('c1', 'CREATE "Añadidos/Ωmega"'), 'c1 OK CREATE completed\r\n');
  const listed = Buffer.from(await c.command('c2', 'LIST "" "Añ*"'), 'latin1').toString('utf8');
  assert.equal(listed, '* LIST (\\HasNoChildren) "/" "Añadidos/Ωmega"\r\n* LIST (\\Noselect \\HasChildren) "/" "Añadidos"\r\nc2 OK LIST completed\r\n');
  assert.match(Buffer.from(await c.command('c3', 'STATUS "Añadidos/Ωmega" (MESSAGES)'), 'latin1').toString('utf8'),
    /^\* STATUS "Añadidos\/Ωmega" \(MESSAGES 0\)\r\nc3 OK/);
  const rev1 = await signedIn(world);
  assert.match(await rev1.command('o1', 'LIST "" "A&APE-adidos/*"'), /^\* LIST \(\\HasNoChildren\) "\/" A&APE-adidos\/&A6k-mega\r\no1 OK/);

  // RFC 6855 4: a message with UTF-8 in its header, wrapped in UTF8 (literal8)
  const msg = Buffer.from('From: Zoë <zoe@care.example>\r\nSubject: Naïve café\r\n\r\nBody\r\n', 'utf8');
  c.write(Buffer.concat([Buffer.from(`a1 APPEND "Añadidos/Ωmega" UTF8 (~{${msg.length}+}\r\n`), msg, Buffer.from(')\r\n')]));
  assert.match(await c.readUntil((b) => /a1 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)), /^a1 OK \[APPENDUID \d+ 1\] APPEND completed\r\n$/);
  await c.command('s1', 'SELECT "Añadidos/Ωmega"');
  c.write(Buffer.from('q1 SEARCH TEXT "naïve"\r\n', 'utf8'));
  assert.equal(await c.readUntil((b) => /q1 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)), '* SEARCH 1\r\nq1 OK SEARCH completed\r\n');
  assert.equal(await c.command('q2', 'SEARCH CHARSET UTF-8 SUBJECT cafe'), 'q2 BAD SEARCH takes no CHARSET after ENABLE UTF8=ACCEPT: its strings are UTF-8\r\n');
  assert.equal(await c.command('q3', 'SORT (DATE) ISO-8859-1 ALL'), 'q3 BAD SORT strings are UTF-8 after ENABLE UTF8=ACCEPT; give the charset UTF-8\r\n');
  assert.match(await c.command('q4', 'SORT (DATE) UTF-8 ALL'), /^\* SORT 1\r\nq4 OK/);
  assert.match(await c.command('q5', 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]'), /Subject: Na\xc3\xafve caf\xc3\xa9\r\n/);
  // the header is read as UTF-8 (RFC 6532): the subject and sender come back as written, and a subject search finds it
  c.write(Buffer.from('q6 SEARCH SUBJECT "café"\r\n', 'utf8'));
  assert.equal(await c.readUntil((b) => /q6 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)), '* SEARCH 1\r\nq6 OK SEARCH completed\r\n');
  const envelope = Buffer.from(await c.command('q7', 'FETCH 1 ENVELOPE'), 'latin1').toString('utf8');
  assert.match(envelope, /\{12\}\r\nNaïve café /, 'twelve bytes of UTF-8, once encoded');
  assert.match(envelope, /\{4\}\r\nZoë /);

  // the wrapper means nothing to a session that did not enable UTF8=ACCEPT
  rev1.write(Buffer.concat([Buffer.from(`b1 APPEND INBOX UTF8 (~{${msg.length}+}\r\n`), msg, Buffer.from(')\r\n')]));
  assert.equal(await rev1.readUntil((b) => /b1 (OK|NO|BAD)[^\r\n]*\r\n/.test(b)), 'b1 BAD APPEND UTF8 (...) needs ENABLE UTF8=ACCEPT first\r\n');
  // and bad wrappers are refused cleanly
  assert.equal(await c.command('a2', 'APPEND INBOX UTF8 ()'), 'a2 BAD APPEND UTF8 (...) must hold exactly one literal\r\n');
  assert.equal(await c.command('a3', 'APPEND INBOX UTF8 "text"'), 'a3 BAD Expected UTF8 message data in parentheses, got string "text"\r\n');
  c.close();
  rev1.close();
});

test('ENABLE UTF8=ACCEPT is refused with a mailbox selected; IMAP4rev2 includes it and keeps SEARCH CHARSET', async () => {
  const c = await signedIn(world);
  await c.command('s1', 'SELECT INBOX');
  assert.equal(await c.command('e1', 'ENABLE UTF8=ACCEPT'), 'e1 BAD ENABLE UTF8=ACCEPT is only valid before a mailbox is selected; UNSELECT first\r\n');
  await c.command('u1', 'UNSELECT');
  assert.equal(await c.command('e2', 'ENABLE IMAP4rev2'), '* ENABLED IMAP4rev2\r\ne2 OK ENABLE completed\r\n');
  assert.equal(Buffer.from(await c.command('c1', 'CREATE "Überweisung"'), 'latin1').toString('utf8'), 'c1 OK CREATE completed\r\n');
  assert.equal(Buffer.from(await c.command('c2', 'LIST "" "Über*"'), 'latin1').toString('utf8'), '* LIST (\\HasNoChildren) "/" "Überweisung"\r\nc2 OK LIST completed\r\n');
  await c.command('s2', 'SELECT INBOX');
  // names are already UTF-8, so nothing changes under the selected mailbox
  assert.equal(await c.command('e3', 'ENABLE UTF8=ACCEPT'), '* ENABLED UTF8=ACCEPT\r\ne3 OK ENABLE completed\r\n');
  assert.match(await c.command('q1', 'SEARCH CHARSET UTF-8 ALL'), /^\* ESEARCH \(TAG "q1"\)( ALL [0-9:,]+)?\r\nq1 OK SEARCH completed\r\n$/);
  c.close();
});

test('a session that enabled IMAP4rev2 gets BAD for what rev2 removed; a rev1 session keeps it all', async () => {
  const rev2 = await signedIn(world, TOM);
  await rev2.command('e', 'ENABLE IMAP4rev2');
  await rev2.command('x', 'LIST "" "*"');
  await world.deliver(TOM, sampleMessage(31), 'Archive');
  await rev2.command('s', 'SELECT Archive');
  const refusals: Array<[string, string]> = [
    ['LSUB "" "*"', 'LSUB is not part of IMAP4rev2; use LIST with RETURN (SUBSCRIBED)'],
    ['FETCH 1 RFC822', 'RFC822 is not part of IMAP4rev2; fetch BODY[] instead'],
    ['FETCH 1 (FLAGS RFC822.HEADER)', 'RFC822.HEADER is not part of IMAP4rev2; fetch BODY.PEEK[HEADER] instead'],
    ['UID FETCH 1:* RFC822.TEXT', 'RFC822.TEXT is not part of IMAP4rev2; fetch BODY[TEXT] instead'],
    ['SEARCH RECENT', 'The search key RECENT is not part of IMAP4rev2, which has no \\Recent flag'],
    ['UID SEARCH NEW', 'The search key NEW is not part of IMAP4rev2, which has no \\Recent flag'],
    ['SEARCH NOT OR SEEN (FLAGGED OLD)', 'The search key OLD is not part of IMAP4rev2, which has no \\Recent flag'],
    ['SORT (DATE) UTF-8 NEW', 'The search key NEW is not part of IMAP4rev2, which has no \\Recent flag'],
    ['STATUS Archive (MESSAGES RECENT)', 'The STATUS item RECENT is not part of IMAP4rev2, which has no \\Recent flag'],
    ['LIST "" "Archive" RETURN (STATUS (RECENT))', 'The STATUS item RECENT is not part of IMAP4rev2, which has no \\Recent flag'],
  ];
  for (const [i, [command, reason]] of refusals.entries()) {
    assert.equal(await rev2.command(`r${i}`, command), `r${i} BAD ${reason}\r\n`, command);
    // BAD replies in a row end the connection, so break the run
    if (i % 4 === 3) assert.match(await rev2.command(`n${i}`, 'NOOP'), /OK NOOP/);
  }
  // what rev2 kept still answers
  assert.match(await rev2.command('k1', 'FETCH 1 RFC822.SIZE'), /^\* 1 FETCH \(RFC822\.SIZE \d+\)\r\nk1 OK/);
  assert.match(await rev2.command('k2', 'LIST "" "Archive" RETURN (SUBSCRIBED)'), /^\* LIST \([^)]*\\Subscribed[^)]*\) "\/" Archive\r\nk2 OK/);
  assert.equal(await rev2.command('k3', 'SEARCH UNSEEN'), '* ESEARCH (TAG "k3") ALL 1\r\nk3 OK SEARCH completed\r\n');

  const rev1 = await signedIn(world, TOM);
  assert.match(await rev1.command('o1', 'LSUB "" "Archive"'), /^\* LSUB \(\) "\/" Archive\r\no1 OK LSUB completed\r\n$/);
  await rev1.command('o2', 'EXAMINE Archive');
  assert.match(await rev1.command('o3', 'FETCH 1 RFC822.HEADER'), /^\* 1 FETCH \(RFC822\.HEADER \{\d+\}\r\nFrom: /);
  assert.match(await rev1.command('o4', 'SEARCH OLD'), /^\* SEARCH 1\r\no4 OK/);
  assert.match(await rev1.command('o5', 'STATUS Archive (RECENT)'), /^\* STATUS Archive \(RECENT 0\)\r\no5 OK/);
  rev1.close();
  rev2.close();
});

test('imapflow enables UTF8=ACCEPT, appends NUL bytes as literal8 and reads them back with FETCH BINARY', async () => {
  const c = new ImapFlow({
    host: '127.0.0.1', port: world.server.port, secure: false, auth: { user: JANE, pass: PASSWORD }, logger: false,
    tls: { rejectUnauthorized: false }, clientInfo: { name: 'imapflow-binary-test', version: '2.1' },
  });
  await c.connect();
  try {
    assert.ok(c.capabilities.has('BINARY'));
    assert.ok(c.enabled.has('UTF8=ACCEPT'), `enabled: ${[...c.enabled].join(' ')}`);
    await c.mailboxCreate('Résultats');
    const message = binaryMessage('From imapflow');
    const appended = await c.append('Résultats', message);
    assert.equal(appended && appended.uid, 1);
    const lock = await c.getMailboxLock('Résultats');
    try {
      const m = await c.fetchOne('1', { source: true, bodyParts: ['2'] }, { binary: true });
      assert.ok(m);
      assert.deepEqual(m.source, message);
      assert.deepEqual(m.bodyParts?.get('2'), PAYLOAD);
    } finally {
      lock.release();
    }
    assert.ok((await c.list()).some((f) => f.path === 'Résultats'));
  } finally {
    await c.logout();
  }
});

const SCRIPT = String.raw`
import imaplib, json, sys
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
m = imaplib.IMAP4('127.0.0.1', port)
m.login(user, password)
out = {'enable': [m.enable('UTF8=ACCEPT')[0], m.untagged_responses.get('ENABLED', [b''])[0].decode()]}
out['create'] = m.create('"Ärzte/Berichte"')[0]
typ, data = m.list('""', '"Ärzte*"')
out['list'] = [d.decode('utf-8') for d in data]
typ, data = m.select('"Ärzte/Berichte"')
out['select'] = [typ, data[0].decode()]
m.logout()
print(json.dumps(out))
`;


test('python imaplib: enable("UTF8=ACCEPT"), then CREATE, LIST and SELECT a UTF-8 name', { skip: python ? false : 'python3 is not installed' }, async () => {
  const r = await runProgram('python3', ['-c', SCRIPT, String(world.server.port), TOM, PASSWORD]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.enable, ['OK', 'UTF8=ACCEPT']);
  assert.equal(out.create, 'OK');
  assert.deepEqual(out.list, ['(\\HasNoChildren) "/" "Ärzte/Berichte"', '(\\Noselect \\HasChildren) "/" "Ärzte"']);
  assert.deepEqual(out.select, ['OK', '0']);
});
