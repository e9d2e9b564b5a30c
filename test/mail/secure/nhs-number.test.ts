import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  findNhsNumbers,
  formatNhsNumber,
  generateValidNhsNumber,
  isValidNhsNumber,
  maskNhsNumber,
  nhsCheckDigit,
  normaliseNhsNumber,
} from '../../../src/mail/secure/nhs-number.ts';

test('published valid NHS numbers', () => {
  // 943 476 5919 is the example NHS England uses in its own documentation and test data.
  for (const n of ['9434765919', '943 476 5919', '943-476-5919', '4010232137', '4505577104', '9990000018']) {
    assert.equal(isValidNhsNumber(n), true, n);
  }
});

test('the Data Dictionary five steps, worked for 943 476 5919', () => {
  const digits = [9, 4, 3, 4, 7, 6, 5, 9, 1];
  const weights = [10, 9, 8, 7, 6, 5, 4, 3, 2]; // step 1
  const total = digits.reduce((sum, d, i) => sum + d * weights[i], 0); // step 2
  assert.equal(total, 299);
  assert.equal(total % 11, 2); // step 3
  assert.equal(11 - (total % 11), 9); // step 4
  assert.equal(nhsCheckDigit('943476591'), 9); // step 5: matches the 10th digit
});

test('invalid NHS numbers', () => {
  const invalid = [
    '9434765910', // wrong check digit
    '943 476 5910',
    '1745438911', // check digit should be 2
    '1232331234',
    '1000000010', // modulus 11 gives 10: never issued, whatever the last digit
    '1000000019',
    '943476591', // 9 digits
    '94347659190', // 11 digits
    '943  476 5919', // double space
    '943 476-5919', // mixed separators
    '94 3476 5919', // wrong grouping
    '943.476.5919',
    '９４３４７６５９１９', // full-width digits are not ASCII digits
    'abcdefghij',
    '',
  ];
  for (const n of invalid) assert.equal(isValidNhsNumber(n), false, n);
  assert.equal(nhsCheckDigit('100000001'), null);
  assert.equal(nhsCheckDigit('000000000'), 0); // 11 becomes 0
  assert.throws(() => nhsCheckDigit('12345'), TypeError);
});

test('normalise, format and mask', () => {
  assert.equal(normaliseNhsNumber(' 943 476 5919 '), '9434765919');
  assert.equal(normaliseNhsNumber('943-476-5919'), '9434765919');
  assert.equal(normaliseNhsNumber('943 476-5919'), null);
  assert.equal(formatNhsNumber('9434765919'), '943 476 5919');
  assert.equal(maskNhsNumber('9434765919'), '943 *** ***9');
  assert.equal(maskNhsNumber('nonsense'), '*** *** ****');
});

test('findNhsNumbers: examples', () => {
  const text =
    'Re patient 943 476 5919 (also written 943-476-5919 and 9434765919), referral for NHS No:4010232137.\n' +
    'Not these: 943 476 5910, tel 01134960000, +44 943 476 5919 ext, 0943 476 5919, 943-476-5919-2, 19434765919, ' +
    'placeholder 0000000000, account 1111111111.';
  assert.deepEqual(findNhsNumbers(text), ['9434765919', '4010232137']);
  assert.deepEqual(findNhsNumbers('call +44 943 476 5919'), []);
  assert.deepEqual(findNhsNumbers('order 2024-943-476-5919'), []);
  assert.deepEqual(findNhsNumbers('x9434765919y'), ['9434765919']); // letters are a boundary
  assert.deepEqual(findNhsNumbers('943 476 5919\n401 023 2137'), ['9434765919', '4010232137']);
  assert.deepEqual(findNhsNumbers(''), []);
});

// ---------------------------------------------------------------- properties

const nineDigits = fc.integer({ min: 0, max: 999_999_999 }).map((n) => String(n).padStart(9, '0'));
const validNumber = fc
  .array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 9, maxLength: 9 })
  .map((values) => {
    let i = 0;
    return generateValidNhsNumber(() => values[i++ % values.length]);
  });
const layout = fc.constantFrom('plain', 'spaced', 'hyphen');
const written = (n: string, how: string) =>
  how === 'plain' ? n : [n.slice(0, 3), n.slice(3, 6), n.slice(6)].join(how === 'spaced' ? ' ' : '-');
const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const digitFreeText = anyText.map((s) => s.replace(/[0-9]/g, ''));
// Characters that may sit next to a number without joining it to other digits.
const boundary = fc.constantFrom('\n', ', ', ': ', ' (', ') ', '\t', '. ', ' NHS No: ', '<br>');

test('property: generated numbers are valid and not placeholders', () => {
  fc.assert(
    fc.property(validNumber, (n) => {
      assert.ok(isValidNhsNumber(n));
      assert.ok(!/^(\d)\1{9}$/.test(n));
    }),
    { numRuns: 2000 },
  );
  // Constant and degenerate generators still terminate.
  for (const rng of [() => 0, () => 0.5, () => 0.999999, () => Number.NaN, () => 7]) {
    assert.ok(isValidNhsNumber(generateValidNhsNumber(rng)));
  }
});

test('property: a valid number in random text is always found, in every layout', () => {
  fc.assert(
    fc.property(anyText, boundary, validNumber, layout, boundary, anyText, (pre, b1, n, how, b2, post) => {
      const found = findNhsNumbers(pre + b1 + written(n, how) + b2 + post);
      assert.ok(found.includes(n), `${n} not found`);
    }),
    { numRuns: 2000 },
  );
});

test('property: numbers with a wrong check digit are never found', () => {
  const wrong = fc.tuple(nineDigits, fc.integer({ min: 0, max: 9 }), layout).map(([nine, d, how]) => {
    const check = nhsCheckDigit(nine);
    const last = check === null ? d : (check + 1 + (d % 9)) % 10; // any digit but the right one
    return written(nine + String(last), how);
  });
  fc.assert(
    fc.property(fc.array(fc.tuple(digitFreeText, wrong), { minLength: 1, maxLength: 5 }), digitFreeText, (parts, tail) => {
      for (const [, n] of parts) assert.equal(isValidNhsNumber(n), false);
      const text = parts.map(([t, n]) => `${t}\n${n}\n`).join('') + tail;
      assert.deepEqual(findNhsNumbers(text), []);
    }),
    { numRuns: 2000 },
  );
});

test('property: digit runs longer than ten are not matched', () => {
  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 });
  fc.assert(
    fc.property(digitFreeText, validNumber, digits, digits, digitFreeText, (pre, n, before, after, post) => {
      fc.pre(before.length + after.length > 0);
      assert.deepEqual(findNhsNumbers(`${pre}\n${before}${n}${after}\n${post}`), []);
    }),
    { numRuns: 2000 },
  );
  const group = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(validNumber, fc.constantFrom(' ', '-'), group, fc.boolean(), (n, sep, extra, atStart) => {
      const grouped = [n.slice(0, 3), n.slice(3, 6), n.slice(6)].join(sep);
      const text = atStart ? `${extra}${sep}${grouped}` : `${grouped}${sep}${extra}`;
      assert.deepEqual(findNhsNumbers(text), []);
    }),
    { numRuns: 1000 },
  );
});

// Noise and real numbers glued together in any order, so some runs do find numbers.
const fragments = fc.array(
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...'0123456789 -x\n'), maxLength: 30 }),
    fc.tuple(validNumber, layout).map(([n, how]) => written(n, how)),
  ),
  { maxLength: 10 },
);

test('property: findNhsNumbers never throws and only returns valid, distinct 10-digit strings', () => {
  fc.assert(
    fc.property(fragments, (parts) => {
      const found = findNhsNumbers(parts.join(''));
      assert.equal(new Set(found).size, found.length);
      for (const n of found) assert.ok(/^\d{10}$/.test(n) && isValidNhsNumber(n));
    }),
    { numRuns: 2000 },
  );
});
