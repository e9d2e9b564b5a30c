import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ImapParseError, expandSequenceSet, parseSequenceSet, resolveSequenceSet, sequenceSetFromNumbers, sequenceSetHas,
  sequenceSetInOrder, formatSequenceSet,
} from '../../../../src/mail/imap/protocol/index.ts';

test('parses ranges, stars and the saved result', () => {
  assert.deepStrictEqual(parseSequenceSet('1:*'), { kind: 'set', ranges: [{ start: 1, end: '*' }] });
  assert.deepStrictEqual(parseSequenceSet('3,5:7,*'), {
    kind: 'set',
    ranges: [{ start: 3, end: 3 }, { start: 5, end: 7 }, { start: '*', end: '*' }],
  });
  assert.deepStrictEqual(parseSequenceSet('$'), { kind: 'saved' });
});

test('rejects malformed sets with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /Missing sequence set/],
    ['0', /numbers start at 1/],
    ['1,,2', /empty element/],
    ['1:2:3', /too many colons/],
    ['4294967296', /too large/],
    ['1,$', /\$ must stand alone/],
    ['a:b', /is not a number/],
    ['-1', /is not a number/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseSequenceSet(text), (e: unknown) => e instanceof ImapParseError && reason.test(e.reason), text);
  }
});

test('membership and expansion resolve * to the largest number', () => {
  const set = parseSequenceSet('2,4:6,10:*');
  assert.deepStrictEqual(expandSequenceSet(set, 12), [2, 4, 5, 6, 10, 11, 12]);
  assert.ok(sequenceSetHas(set, 11, 12));
  assert.ok(!sequenceSetHas(set, 3, 12));
  // RFC 3501 9: "559:*" includes the last message even when 559 is larger
  assert.deepStrictEqual(resolveSequenceSet(parseSequenceSet('559:*'), 300), [[300, 559]]);
  assert.deepStrictEqual(expandSequenceSet(parseSequenceSet('559:*'), 300), [300]);
  assert.ok(sequenceSetHas(parseSequenceSet('1:4294967295'), 4000000000, 5));
  assert.deepStrictEqual(sequenceSetInOrder(parseSequenceSet('5:3,1'), 9), [5, 4, 3, 1]);
  assert.throws(() => expandSequenceSet({ kind: 'saved' }, 3), ImapParseError);
});

test('building a compact set from numbers', () => {
  assert.equal(formatSequenceSet(sequenceSetFromNumbers([304, 319, 320, 3, 4, 5, 5])), '3:5,304,319:320');
});

test('expansion agrees with membership', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.boolean()), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 50 }),
      (parts, max) => {
        const text = parts.map(([a, b, star]) => (star ? `${a}:*` : `${a}:${b}`)).join(',');
        const set = parseSequenceSet(text);
        const expanded = new Set(expandSequenceSet(set, max));
        for (let n = 1; n <= max; n++) assert.equal(expanded.has(n), sequenceSetHas(set, n, max), `${text} max=${max} n=${n}`);
      },
    ),
  );
});
