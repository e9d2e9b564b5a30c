/**
 * Bad input over a real socket: every malformed command gets BAD with a
 * reason, oversized literals are refused before they are sent, silent and
 * garbage-sending clients are dropped, and nothing brings the server down.
 */
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { after, before, test } from 'node:test';
import { imapWorld, JANE, PASSWORD, RawClient, type ImapWorld } from './helpers.ts';

let world: ImapWorld;

before(async () => {
  world = await imapWorld({ idleTimeoutMs: 1500, maxBadCommands: 5, maxMessageBytes: 1000 });
});
after(() => world.close());

const MALFORMED: Array<[string, RegExp]> = [
  ['a1 FETCH', /^a1 BAD .+/m],
  ['a2 SELECT', /^a2 BAD Missing argument: mailbox/m],
  ['a3 FETCH 0:3 FLAGS', /^a3 BAD .*numbers start at 1/m],
  ['a4 STORE 1 +FLAGS (\\Bogus)', /^a4 BAD .+/m],
  ['a5 SEARCH BOGUSKEY', /^a5 BAD Unknown search key/m],
  ['a6 LOGIN "unterminated', /^a6 BAD .+/m],
  ['* NOOP', /^\* BAD .+|^\S+ BAD .+/m],
];

test('every malformed command gets BAD with a reason, and the session goes on', async () => {
  const c = await RawClient.connect(world.server.port);
  await c.command('s', `LOGIN ${JANE} ${PASSWORD}`);
  await c.command('t', 'SELECT INBOX');
  for (const [line, expected] of MALFORMED.slice(0, 4)) {
    c.write(`${line}\r\n`);
    const reply = await c.readUntil((b) => /\r\n$/.test(b) && / (BAD|NO|OK) /.test(b));
    assert.match(reply, expected, line);
    assert.match(await c.command('n', 'NOOP'), /n OK/);
  }
  c.close();
});

test('a literal over the limit is refused before any of it is sent', async () => {
  const c = await RawClient.connect(world.server.port);
  await c.command('s', `LOGIN ${JANE} ${PASSWORD}`);
  c.write('b APPEND INBOX {5000}\r\n');
  const reply = await c.readUntil((b) => b.includes('\r\n'));
  assert.match(reply, /^b NO \[TOOBIG\]/);
  assert.doesNotMatch(reply, /^\+/m);
  assert.match(await c.command('n', 'NOOP'), /n OK/);
  c.close();
});

test('a client that sends one bad command after another is told BYE and dropped', async () => {
  const c = await RawClient.connect(world.server.port);
  for (const [line] of MALFORMED) c.write(`${line}\r\n`);
  c.write('garbage\r\nmore garbage\r\n');
  const all = await c.readUntil(() => c.closed);
  assert.match(all, /\* BYE Too many bad commands/);
  assert.ok(c.closed);
});

test('a silent client is signed out after the idle timeout', async () => {
  const c = await RawClient.connect(world.server.port);
  const all = await c.readUntil(() => c.closed, 5000);
  assert.match(all, /\* BYE .*no command for too long/);
});

test('random bytes on many connections never bring the server down', async () => {
  const junk = [Buffer.from([0, 1, 2, 255, 13, 10]), Buffer.from('a'.repeat(70_000)), Buffer.from('x LOGIN {99999999999999999999}\r\n'), Buffer.from('\r\n\r\n)))(((\r\n')];
  for (const j of junk) {
    const c = await RawClient.connect(world.server.port);
    c.write(j);
    c.write('\r\n');
    await new Promise((r) => setTimeout(r, 50));
    c.close();
  }
  const ok = await RawClient.connect(world.server.port);
  assert.match(await ok.command('z', 'NOOP'), /z OK/);
  ok.close();
});

test('LOGIN is refused without TLS except on loopback in demo mode; STARTTLS then LOGIN works', async () => {
  const strict = await imapWorld({ demoMode: false });
  try {
    const c = await RawClient.connect(strict.server.port);
    const caps = await c.command('a', 'CAPABILITY');
    assert.match(caps, /LOGINDISABLED/);
    assert.doesNotMatch(caps, /AUTH=PLAIN/);
    assert.match(await c.command('b', `LOGIN ${JANE} ${PASSWORD}`), /b NO \[PRIVACYREQUIRED\]/);
    // a command pipelined in clear text after STARTTLS must never run
    c.write('c STARTTLS\r\nd LOGIN x y\r\n');
    assert.match(await c.readUntil((b) => b.includes('c OK')), /c OK Begin TLS/);
    const secure = tlsConnect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise((r) => secure.once('secureConnect', r));
    const replies: string[] = [];
    secure.on('data', (d) => replies.push(d.toString()));
    secure.write('e CAPABILITY\r\n');
    await new Promise((r) => setTimeout(r, 300));
    const text = replies.join('');
    assert.doesNotMatch(text, /^d /m);
    assert.match(text, /AUTH=PLAIN/);
    assert.doesNotMatch(text, /STARTTLS/);
    secure.destroy();
  } finally {
    await strict.close();
  }
});

test('implicit TLS on the second port greets and signs in', async () => {
  const s = tlsConnect({ port: world.server.tlsPort!, host: '127.0.0.1', rejectUnauthorized: false });
  let text = '';
  s.on('data', (d) => (text += d.toString()));
  await new Promise((r) => s.once('secureConnect', r));
  s.write(`a LOGIN ${JANE} ${PASSWORD}\r\n`);
  for (let i = 0; i < 50 && !/a OK/.test(text); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(text, /^\* OK \[CAPABILITY IMAP4rev1/);
  assert.match(text, /a OK \[CAPABILITY/);
  s.destroy();
});

test('a fuzz run of generated command lines on a signed-in session: every reply is well formed, the server stays up', async () => {
  const fc = await import('fast-check');
  const words = ['FETCH', 'UID', 'STORE', 'SEARCH', 'SELECT', 'INBOX', 'Junk', '1:*', '*', '0', '4294967296', '(FLAGS', 'BODY[1.2.MIME]', 'BODY.PEEK[HEADER.FIELDS (A)]<0.10>',
    '+FLAGS', '(\\Seen)', '"quoted', '""', '{3+}', 'NIL', '(', ')', 'OR', 'NOT', 'HEADER', 'SORT', '(DATE)', 'UTF-8', 'THREAD', 'REFERENCES', 'MOVE', 'COPY',
    'EXPUNGE', 'RETURN', '(SAVE)', '$', 'CHANGEDSINCE', 'LIST', '"%"', 'STATUS', '(MESSAGES)', 'APPEND', 'IDLE', 'DONE', '\u00e9', '\x01'];
  const lines = fc.sample(fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 8 }), { numRuns: 300, seed: 6 }).map((ws, i) => `f${i} ${ws.join(' ')}`);
  const c = await RawClient.connect(world.server.port);
  await c.command('s', `LOGIN ${JANE} ${PASSWORD}`);
  await c.command('t', 'SELECT INBOX');
  let replies = '';
  for (const line of lines) {
    if (c.closed) break;
    c.write(`${line}\r\n`);
    c.write('z NOOP\r\n');
    replies += await c.readUntil((b) => /(^|\r\n)z (OK|NO|BAD)[^\r\n]*\r\n/.test(b) || c.closed, 5000).catch((err: Error) => `TIMEOUT ${err.message}`);
  }
  c.close();
  assert.doesNotMatch(replies, /TIMEOUT/);
  for (const l of replies.split('\r\n').filter(Boolean)) {
    if (/^\{\d+\}$/.test(l)) continue;
    assert.match(l, /^(\* |\+ |[fzst]\d* (OK|NO|BAD) |[A-Za-z0-9 \[\]().<>:\\"$%*+=-]|$)/, l);
  }
  const after = await RawClient.connect(world.server.port);
  assert.match(await after.command('y', 'NOOP'), /y OK/);
  after.close();
});
