import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CommandReader, decodeMailboxName, encodeMailboxName, formatSequenceSet, isValidMailboxUtf7, parseCommand,
  parseSequenceSet, serialiseCommand, type ReaderEvent,
} from '../../../../src/mail/imap/protocol/index.ts';
import { commandArb, sequenceSetArb, show } from './arbitraries.ts';

test('parse(serialise(command)) gives the command back', () => {
  fc.assert(
    fc.property(commandArb, (cmd) => {
      const wire = serialiseCommand(cmd);
      const back = parseCommand(wire);
      assert.deepStrictEqual(back, cmd, `wire: ${JSON.stringify(wire.toString('latin1'))}\nwant: ${show(cmd)}\ngot: ${show(back)}`);
    }),
    { numRuns: 1500 },
  );
});

test('round trip also holds in UTF-8 mode (UTF8=ACCEPT names and quoted strings)', () => {
  fc.assert(
    fc.property(commandArb, (cmd) => {
      const wire = serialiseCommand(cmd, { utf8: true, nonSyncLiterals: true });
      assert.deepStrictEqual(parseCommand(wire, { utf8: true }), cmd);
    }),
    { numRuns: 500 },
  );
});

test('synchronising literals round trip too, with one continuation request per literal', () => {
  fc.assert(
    fc.property(commandArb, (cmd) => {
      const wire = serialiseCommand(cmd, { nonSyncLiterals: false });
      const events = new CommandReader({ pauseAfter: [] }).push(wire);
      const literals = (wire.toString('latin1').match(/\{[0-9]+\}\r\n/g) ?? []).length;
      assert.equal(events.filter((e) => e.type === 'needContinuation').length, literals);
      const last = events[events.length - 1] as Extract<ReaderEvent, { type: 'command' }>;
      assert.equal(last.type, 'command', show(events));
      assert.deepStrictEqual(last.command, cmd);
    }),
    { numRuns: 300 },
  );
});

test('sequence sets round trip through their text form', () => {
  fc.assert(
    fc.property(sequenceSetArb, (set) => {
      assert.deepStrictEqual(parseSequenceSet(formatSequenceSet(set)), set);
    }),
  );
});

test('modified UTF-7 round trips any Unicode string and always yields canonical ASCII', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
      const wire = encodeMailboxName(name);
      assert.match(wire, /^[\x20-\x7e]*$/);
      assert.equal(decodeMailboxName(wire), name);
      assert.ok(isValidMailboxUtf7(wire));
    }),
    { numRuns: 2000 },
  );
});
