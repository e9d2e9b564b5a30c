/**
 * Whole client/server exchanges from the RFCs, driven through the reader and
 * the writer the way a session would: this doubles as a sketch of how
 * src/mail/imap/commands/ is expected to use the protocol layer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CommandReader, continuation, errorResponse, expunge, exists, isIdleDone, parseSaslResponse, saslChallenge, tagged,
  type Command, type ReaderEvent, type ReaderOptions,
} from '../../../../src/mail/imap/protocol/index.ts';

type Step = ['C' | 'S', string];

class MiniSession {
  readonly reader: CommandReader;
  readonly out: string[] = [];
  private current: Command | undefined;

  constructor(options: ReaderOptions = {}) {
    this.reader = new CommandReader(options);
  }

  receive(bytes: string): void {
    this.handle(this.reader.push(Buffer.from(bytes, 'latin1')));
  }

  private send(b: Buffer): void {
    this.out.push(b.toString('latin1'));
  }

  private handle(events: ReaderEvent[]): void {
    for (const e of events) {
      if (e.type === 'needContinuation') this.send(continuation());
      else if (e.type === 'error') this.send(errorResponse(e));
      else if (e.type === 'command') this.command(e.command);
      else this.line(e.text);
    }
  }

  private command(c: Command): void {
    this.current = c;
    switch (c.name) {
      case 'IDLE':
        this.send(continuation('idling'));
        // mailbox changes arrive while idling
        this.send(expunge(2));
        this.send(exists(3));
        this.handle(this.reader.readLine());
        return;
      case 'AUTHENTICATE':
        if (c.initialResponse) return this.finishAuth(c.initialResponse);
        this.send(saslChallenge(Buffer.alloc(0)));
        this.handle(this.reader.readLine());
        return;
      case 'APPEND':
        this.send(tagged(c.tag, 'OK', 'APPEND completed'));
        return;
      default:
        this.send(tagged(c.tag, 'OK', `${c.name} completed`));
    }
  }

  private finishAuth(data: Buffer): void {
    const ok = data.toString() === '\u0000bob\u0000pass';
    this.send(tagged(this.current!.tag, ok ? 'OK' : 'NO', ok ? 'Success' : 'Failed', ok ? undefined : { name: 'AUTHENTICATIONFAILED' }));
    this.handle(this.reader.resume());
  }

  private line(text: string): void {
    const c = this.current!;
    if (c.name === 'IDLE') {
      this.send(isIdleDone(text) ? tagged(c.tag, 'OK', 'IDLE terminated') : tagged(c.tag, 'BAD', 'Expected DONE'));
      this.handle(this.reader.resume());
      return;
    }
    const r = parseSaslResponse(text);
    if (r.cancelled) {
      this.send(tagged(c.tag, 'BAD', 'Authentication cancelled'));
      this.handle(this.reader.resume());
    } else {
      this.finishAuth(r.data);
    }
  }
}

function run(script: Step[], options?: ReaderOptions): void {
  const s = new MiniSession(options);
  let seen = 0;
  for (const [who, text] of script) {
    if (who === 'C') s.receive(text);
    else {
      assert.equal(s.out[seen], text, `server line ${seen}`);
      seen++;
    }
  }
  assert.equal(s.out.length, seen, `unexpected extra output: ${JSON.stringify(s.out.slice(seen))}`);
}

const msg = 'Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nHello Joe\r\n';

test('RFC 3501 6.3.11: APPEND with a synchronising literal', () => {
  run([
    ['C', `A003 APPEND saved-messages (\\Seen) {${msg.length}}\r\n`],
    ['S', '+ Ready for literal data\r\n'],
    ['C', `${msg}\r\n`],
    ['S', 'A003 OK APPEND completed\r\n'],
  ]);
});

test('RFC 7888: LITERAL+ needs no round trip', () => {
  run([
    ['C', 'A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n'],
    ['S', 'A001 OK LOGIN completed\r\n'],
  ]);
});

test('RFC 2177: IDLE, untagged updates, DONE, and a command pipelined after DONE', () => {
  run([
    ['C', 'A001 SELECT INBOX\r\n'],
    ['S', 'A001 OK SELECT completed\r\n'],
    ['C', 'A002 IDLE\r\n'],
    ['S', '+ idling\r\n'],
    ['S', '* 2 EXPUNGE\r\n'],
    ['S', '* 3 EXISTS\r\n'],
    ['C', 'DONE\r\nA003 NOOP\r\n'],
    ['S', 'A002 OK IDLE terminated\r\n'],
    ['S', 'A003 OK NOOP completed\r\n'],
  ]);
});

test('RFC 3501 6.2.2: AUTHENTICATE with a continuation, with SASL-IR, and cancelled', () => {
  run([
    ['C', 'A1 AUTHENTICATE PLAIN\r\n'],
    ['S', '+ \r\n'],
    ['C', 'AGJvYgBwYXNz\r\n'],
    ['S', 'A1 OK Success\r\n'],
    ['C', 'A2 AUTHENTICATE PLAIN AGJvYgBwYXNz\r\n'],
    ['S', 'A2 OK Success\r\n'],
    ['C', 'A3 AUTHENTICATE PLAIN\r\n'],
    ['S', '+ \r\n'],
    ['C', '*\r\n'],
    ['S', 'A3 BAD Authentication cancelled\r\n'],
    ['C', 'A4 AUTHENTICATE PLAIN AGJvYgBiYWQ=\r\n'],
    ['S', 'A4 NO [AUTHENTICATIONFAILED] Failed\r\n'],
  ]);
});

test('RFC 7889/4469: an APPEND literal over the limit gets NO [TOOBIG] and no continuation', () => {
  run([
    ['C', 'A1 APPEND INBOX {50000000}\r\n'],
    ['S', 'A1 NO [TOOBIG] Literal of 50000000 bytes exceeds the limit of 36700160\r\n'],
    ['C', 'A2 NOOP\r\n'],
    ['S', 'A2 OK NOOP completed\r\n'],
  ]);
});

test('RFC 3501 7.1.3: a malformed command gets BAD and the session carries on', () => {
  run([
    ['C', 'A1 FETCH 1 (FLAGS\r\nA2 NOOP\r\n'],
    ['S', 'A1 BAD Unbalanced parenthesis: missing ")"\r\n'],
    ['S', 'A2 OK NOOP completed\r\n'],
  ]);
});
