/**
 * Random and mutated input must only ever produce typed errors: no exceptions
 * out of push(), no internal errors, and every run ends (the runs are bounded
 * by construction; the reader has no loop that can wait for input it lacks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CommandReader, ImapParseError, decodeMailboxName, parseCommand, parseDateTime, parseSearchDate, parseSequenceSet,
  serialiseCommand, type ReaderEvent,
} from '../../../../src/mail/imap/protocol/index.ts';
import { commandArb } from './arbitraries.ts';

const INTERESTING = ['{', '}', '{5}', '{3+}', '~{2}', '(', ')', '"', '\\', '[', ']', '<', '>', ' ', '\r\n', '\n', '*', '%', '$', ':', ',', 'NIL', 'UID ', 'BODY[', '\u0000', '\u00ff', 'A1 IDLE\r\n', 'DONE\r\n'];

type Mutation = { at: number; kind: 'flip' | 'insert' | 'delete'; n: number; token: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.record(
  { at: fc.nat(), kind: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const), n: fc.integer({ min: 1, max: 8 }), token: fc.constantFrom(...INTERESTING) },
  { noNullPrototype: true },
);

function mutate(input: Buffer, muts: Mutation[]): Buffer {
  let buf = input;
  for (const m of muts) {
    const at = m.at % (buf.length + 1);
    if (m.kind === 'flip' && buf.length) {
      buf = Buffer.from(buf);
      buf[at % buf.length] ^= 1 << (m.n - 1);
    } else if (m.kind === 'insert') {
      buf = Buffer.concat([buf.subarray(0, at), Buffer.from(m.token, 'latin1'), buf.subarray(at)]);
    } else {
      buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.n)]);
    }
  }
  return buf;
}

function checkEvents(events: ReaderEvent[]): void {
  for (const e of events) {
    if (e.type !== 'error') continue;
    assert.ok(e.reason.length > 0 && e.reason.length <= 200, 'reason present and bounded');
    assert.doesNotMatch(e.reason, /[\r\n]/);
    assert.doesNotMatch(e.reason, /Internal error/, `internal error: ${e.reason}`);
    assert.ok(['BAD', 'NO', 'BYE'].includes(e.status));
  }
}

/** Feed in chunks, stepping through pauses the way a session would. */
function drive(input: Buffer, cuts: number[], small: boolean): void {
  const reader = new CommandReader(small ? { maxLineLength: 64, maxLiteralSize: 32, maxCommandSize: 256, maxDiscardSize: 128 } : {});
  let prev = 0;
  const points = [...cuts.map((c) => c % (input.length + 1)), input.length].sort((a, b) => a - b);
  let steps = 0;
  for (const p of points) {
    checkEvents(reader.push(input.subarray(prev, p)));
    prev = p;
    while (reader.paused && steps++ < 100) {
      checkEvents(reader.readLine());
      if (reader.paused) checkEvents(reader.resume());
    }
  }
}

test('random bytes never make the reader throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (bytes, cuts, small) => {
      drive(Buffer.from(bytes), cuts, small);
    }),
    { numRuns: 2000 },
  );
});

test('mutated valid commands never make the reader throw', () => {
  fc.assert(
    fc.property(
      fc.array(commandArb, { minLength: 1, maxLength: 3 }),
      fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.boolean(),
      (cmds, muts, cuts, small) => {
        const wire = Buffer.concat(cmds.map((c) => serialiseCommand(c, { nonSyncLiterals: muts.length % 2 === 0 })));
        drive(mutate(wire, muts), cuts, small);
      },
    ),
    { numRuns: 3000 },
  );
});

test('one-shot parsers throw nothing but ImapParseError', () => {
  const typedOnly = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ImapParseError, `unexpected ${String(e)}`);
    }
  };
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.uint8Array({ maxLength: 80 }), (s, bytes) => {
      typedOnly(() => parseSequenceSet(s));
      typedOnly(() => decodeMailboxName(s));
      typedOnly(() => parseSearchDate(s));
      typedOnly(() => parseDateTime(s));
      typedOnly(() => parseCommand(Buffer.from(bytes)));
      typedOnly(() => parseCommand(`A1 ${s}`));
    }),
    { numRuns: 2000 },
  );
});

test('deep nesting is refused, not a stack overflow', () => {
  const events = new CommandReader().push(Buffer.from(`A1 SEARCH ${'('.repeat(20000)}ALL${')'.repeat(20000)}\r\n`));
  assert.equal(events.length, 1);
  assert.match((events[0] as { reason: string }).reason, /nested too deeply/);
  const nots = new CommandReader().push(Buffer.from(`A1 SEARCH ${'NOT '.repeat(15000)}ALL\r\n`));
  assert.match((nots[0] as { reason: string }).reason, /nested too deeply/);
});
