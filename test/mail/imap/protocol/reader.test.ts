import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CommandReader, serialiseCommand, type ReaderEvent, type ReaderOptions } from '../../../../src/mail/imap/protocol/index.ts';
import { commandArb } from './arbitraries.ts';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

function feedChunks(chunks: Buffer[], options: ReaderOptions = {}): ReaderEvent[] {
  const reader = new CommandReader({ pauseAfter: [], ...options });
  return chunks.flatMap((c) => reader.push(c));
}

/** Split at the given cut points (deduplicated, sorted, within range). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

const types = (events: ReaderEvent[]): string[] => events.map((e) => e.type);

describe('chunking', () => {
  test('any chunking of a valid stream yields the same events', () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 40 }),
        (cmds, sync, cuts) => {
          const stream = Buffer.concat(cmds.map((c) => serialiseCommand(c, { nonSyncLiterals: !sync })));
          const whole = feedChunks([stream]);
          assert.equal(whole.filter((e) => e.type === 'command').length, cmds.length);
          assert.deepStrictEqual(feedChunks(split(stream, cuts)), whole);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('one byte at a time works, including literals and CRLF split across chunks', () => {
    const stream = b('A1 LOGIN {3}\r\nfoo {3+}\r\nbar\r\nA2 APPEND INBOX (\\Seen) {5}\r\nhello\r\nA3 NOOP\r\n');
    const events = feedChunks([...stream].map((x) => Buffer.of(x)));
    assert.deepStrictEqual(types(events), ['needContinuation', 'command', 'needContinuation', 'command', 'command']);
    assert.deepStrictEqual(events[0], { type: 'needContinuation', tag: 'A1', size: 3 });
  });

  test('midCommand tracks a partly received command', () => {
    const reader = new CommandReader();
    assert.ok(!reader.midCommand);
    reader.push(b('A1 LOGIN {3}\r\nfo'));
    assert.ok(reader.midCommand);
    reader.push(b('o bar\r\n'));
    assert.ok(!reader.midCommand);
  });

  test('bare LF line endings are tolerated', () => {
    const events = feedChunks([b('A1 NOOP\nA2 LOGIN {1+}\nx y\n')]);
    assert.deepStrictEqual(types(events), ['command', 'command']);
  });

  test('a literal may contain CRLF and bytes that look like commands', () => {
    const data = 'x\r\nA9 DELETE INBOX\r\n';
    const events = feedChunks([b(`A1 LOGIN {${data.length}+}\r\n${data} pw\r\n`)]);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, 'command');
    assert.deepStrictEqual((events[0] as { command: unknown }).command, { tag: 'A1', name: 'LOGIN', username: data, password: 'pw' });
  });
});

describe('limits', () => {
  const opts = { maxLiteralSize: 10, maxLineLength: 40 };

  test('an over-size synchronising literal is refused on the announcement, before any byte of it', () => {
    const reader = new CommandReader(opts);
    const events = reader.push(b('A1 APPEND INBOX {11}\r\n'));
    assert.equal(events.length, 1);
    assert.deepStrictEqual(events[0], {
      type: 'error', tag: 'A1', reason: 'Literal of 11 bytes exceeds the limit of 10', code: 'TOOBIG', status: 'NO', fatal: false,
    });
    // no continuation was sent, so a compliant client moves on to its next command
    assert.deepStrictEqual(types(reader.push(b('A2 NOOP\r\n'))), ['command']);
  });

  test('a synchronising literal within the limit gets its continuation request', () => {
    const reader = new CommandReader(opts);
    assert.deepStrictEqual(reader.push(b('A1 APPEND INBOX {10}\r\n')), [{ type: 'needContinuation', tag: 'A1', size: 10 }]);
    assert.deepStrictEqual(types(reader.push(b('0123456789\r\n'))), ['command']);
  });

  test('an over-size non-synchronising literal is refused at once and its bytes skipped, never parsed', () => {
    const reader = new CommandReader(opts);
    const first = reader.push(b('A1 APPEND INBOX {20+}\r\n'));
    assert.equal(first.length, 1);
    assert.equal(first[0].type, 'error');
    assert.equal((first[0] as { tag?: string }).tag, 'A1');
    assert.equal((first[0] as { fatal: boolean }).fatal, false);
    // the 20 bytes contain what looks like a command; it must not run
    const rest = reader.push(b('A9 DELETE INBOX\r\nxxx more args\r\nA2 NOOP\r\n'));
    assert.deepStrictEqual(rest.map((e) => (e.type === 'command' ? e.command.tag : e.type)), ['A2']);
  });

  test('skipping continues through further non-synchronising literals of the refused command', () => {
    const events = feedChunks([b('A1 APPEND INBOX {20+}\r\n'), b('x'.repeat(20)), b(' {3+}\r\nabc\r\nA2 NOOP\r\n')], { ...opts, maxDiscardSize: 1000 });
    assert.deepStrictEqual(types(events), ['error', 'command']);
  });

  test('a non-synchronising literal too large even to skip is fatal', () => {
    const reader = new CommandReader({ ...opts, maxDiscardSize: 100 });
    const events = reader.push(b('A1 APPEND INBOX {101+}\r\n'));
    assert.equal(events.length, 1);
    assert.deepStrictEqual({ ...events[0], reason: '' }, { type: 'error', tag: 'A1', reason: '', code: 'TOOBIG', status: 'BYE', fatal: true });
    assert.ok(reader.closed);
    assert.deepStrictEqual(reader.push(b('A2 NOOP\r\n')), []);
  });

  test('a huge announced size is refused without trying to allocate it', () => {
    const events = feedChunks([b('A1 APPEND INBOX {99999999999999999999999999}\r\n')], opts);
    assert.equal(events.length, 1);
    assert.equal((events[0] as { code?: string }).code, 'TOOBIG');
  });

  test('an over-long line is refused as soon as it passes the limit, without waiting for CRLF', () => {
    const reader = new CommandReader(opts);
    const events = reader.push(b(`A1 LOGIN ${'x'.repeat(60)}`));
    assert.deepStrictEqual(events, [
      { type: 'error', tag: 'A1', reason: 'Command line too long (limit 40 bytes)', code: 'TOOBIG', status: 'BAD', fatal: false },
    ]);
    assert.deepStrictEqual(reader.push(b('x'.repeat(1000))), []);
    assert.deepStrictEqual(types(reader.push(b('yyy\r\nA2 NOOP\r\n'))), ['command']);
  });

  test('an over-long line that ends in a non-synchronising literal has the literal skipped too', () => {
    const events = feedChunks([b(`A1 LOGIN ${'x'.repeat(60)} {6+}\r\nA9 X\r\n\r\nA2 NOOP\r\n`)], opts);
    assert.deepStrictEqual(types(events), ['error', 'command']);
  });

  test('a line of exactly the limit is accepted', () => {
    const line = `A1 LOGIN a ${'p'.repeat(40 - 'A1 LOGIN a '.length)}`;
    assert.equal(line.length, 40);
    assert.deepStrictEqual(types(feedChunks([b(`${line}\r\n`)], opts)), ['command']);
    assert.deepStrictEqual(types(feedChunks([b(`${line}x\r\n`)], opts)), ['error']);
  });

  test('the whole-command limit bounds MULTIAPPEND', () => {
    const events = feedChunks([b('A1 APPEND INBOX {8+}\r\n12345678 {8+}\r\n12345678 {8+}\r\n12345678\r\nA2 NOOP\r\n')], { maxLiteralSize: 10, maxCommandSize: 55 });
    assert.deepStrictEqual(types(events), ['error', 'command']);
    assert.match((events[0] as { reason: string }).reason, /Command exceeds the limit of 55 bytes/);
  });

  test('too many literals in one command', () => {
    const events = feedChunks([b('A1 LOGIN {1+}\r\na {1+}\r\nb\r\n')], { maxLiterals: 1 });
    assert.deepStrictEqual(types(events), ['error']);
    assert.match((events[0] as { reason: string }).reason, /Too many literals/);
  });

  test('no continuation is offered for an unknown command or a bad tag', () => {
    assert.deepStrictEqual(types(feedChunks([b('A1 XYZZY {5}\r\n')])), ['error']);
    assert.deepStrictEqual(types(feedChunks([b('A*1 LOGIN {5}\r\n')])), ['error']);
  });
});

describe('pausing: IDLE, AUTHENTICATE, STARTTLS', () => {
  test('IDLE pauses the reader; DONE is read as a raw line; later commands wait', () => {
    const reader = new CommandReader();
    const events = reader.push(b('A1 IDLE\r\nDONE\r\nA2 NOOP\r\n'));
    assert.deepStrictEqual(types(events), ['command']);
    assert.ok(reader.paused);
    assert.deepStrictEqual(reader.readLine(), [{ type: 'line', text: 'DONE' }]);
    assert.ok(reader.paused);
    assert.deepStrictEqual(types(reader.resume()), ['command']);
    assert.ok(!reader.paused);
  });

  test('readLine before the line arrives delivers it from a later push', () => {
    const reader = new CommandReader();
    reader.push(b('A1 IDLE\r\n'));
    assert.deepStrictEqual(reader.readLine(), []);
    assert.deepStrictEqual(reader.push(b('DO')), []);
    assert.deepStrictEqual(reader.push(b('NE\r\nA2 NO')), [{ type: 'line', text: 'DONE' }]);
    assert.deepStrictEqual(reader.push(b('OP\r\n')), []);
    assert.deepStrictEqual(types(reader.resume()), ['command']);
  });

  test('AUTHENTICATE: each SASL response is one raw line', () => {
    const reader = new CommandReader();
    assert.deepStrictEqual(types(reader.push(b('A1 AUTHENTICATE PLAIN\r\n'))), ['command']);
    assert.deepStrictEqual(reader.readLine(), []);
    assert.deepStrictEqual(reader.push(b('AGJvYgBwYXNz\r\n')), [{ type: 'line', text: 'AGJvYgBwYXNz' }]);
    assert.deepStrictEqual(reader.resume(), []);
  });

  test('STARTTLS: plaintext pipelined after the command can be dropped (no command injection)', () => {
    const reader = new CommandReader();
    assert.deepStrictEqual(types(reader.push(b('A1 STARTTLS\r\nA2 LOGIN evil pass\r\n'))), ['command']);
    assert.equal(reader.discardHeldInput(), 'A2 LOGIN evil pass\r\n'.length);
    assert.deepStrictEqual(reader.resume(), []);
    assert.deepStrictEqual(types(reader.push(b('A3 NOOP\r\n'))), ['command']);
  });

  test('an over-long raw line is fatal', () => {
    const reader = new CommandReader({ maxLineLength: 10 });
    reader.push(b('A1 IDLE\r\n'));
    reader.readLine();
    const events = reader.push(b('DONEDONEDONEDONE\r\n'));
    assert.equal(events.length, 1);
    assert.equal((events[0] as { fatal: boolean }).fatal, true);
  });

  test('flooding a paused reader is fatal rather than unbounded buffering', () => {
    const reader = new CommandReader({ maxLineLength: 10, maxLiteralSize: 10, maxCommandSize: 50 });
    reader.push(b('A1 IDLE\r\n'));
    const events = reader.push(Buffer.alloc(51, 0x61));
    assert.deepStrictEqual(types(events), ['error']);
    assert.ok(reader.closed);
  });

  test('pipelined commands around a pause keep their order across resume', () => {
    const reader = new CommandReader();
    const stream = b('A1 NOOP\r\nA2 IDLE\r\nDONE\r\nA3 NOOP\r\nA4 IDLE\r\nDONE\r\nA5 NOOP\r\n');
    const tags: string[] = [];
    const take = (evs: ReaderEvent[]): void => {
      for (const e of evs) tags.push(e.type === 'command' ? e.command.tag : e.type === 'line' ? e.text : e.type);
    };
    take(reader.push(stream));
    while (reader.paused) {
      take(reader.readLine());
      take(reader.resume());
    }
    assert.deepStrictEqual(tags, ['A1', 'A2', 'DONE', 'A3', 'A4', 'DONE', 'A5']);
  });
});

describe('UTF-8 mode', () => {
  test('mailbox names are taken as UTF-8 after ENABLE UTF8=ACCEPT, modified UTF-7 before', () => {
    const reader = new CommandReader();
    const before = reader.push(b('A1 SELECT &AOQ-\r\n'));
    assert.deepStrictEqual(before, [{ type: 'command', command: { tag: 'A1', name: 'SELECT', mailbox: 'ä', condstore: false } }]);
    reader.setUtf8(true);
    const after = reader.push(Buffer.from('A2 SELECT "&AOQ-/ä"\r\n', 'utf8'));
    assert.deepStrictEqual(after, [{ type: 'command', command: { tag: 'A2', name: 'SELECT', mailbox: '&AOQ-/ä', condstore: false } }]);
  });

  test('raw UTF-8 from a client that did not enable it is still understood', () => {
    const events = feedChunks([Buffer.from('A1 SELECT "Entwürfe"\r\n', 'utf8')]);
    assert.deepStrictEqual(events, [{ type: 'command', command: { tag: 'A1', name: 'SELECT', mailbox: 'Entwürfe', condstore: false } }]);
  });
});
