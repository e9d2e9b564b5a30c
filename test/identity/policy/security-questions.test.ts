import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  SECURITY_QUESTIONS,
  answerCharacters,
  checkCharacters,
  checkSecurityQuestions,
  normaliseAnswer,
  pickCharacterPositions,
  type RandomInt,
  type SecurityAnswerInput,
} from '../../../src/identity/policy/security-questions.ts';

const good: SecurityAnswerInput[] = [
  { questionId: 'first-school', answer: 'St Mary' },
  { questionId: 'first-pet', answer: 'Biscuit' },
  { questionId: 'birth-town', answer: 'Rotherham' },
];

const withAnswer = (index: number, answer: string) => good.map((e, i) => (i === index ? { ...e, answer } : e));

/** Feeds fast-check's numbers to the picker in place of crypto.randomInt. */
const rngFrom = (seeds: number[]): RandomInt => {
  let i = 0;
  return (max) => seeds[i++ % seeds.length] % max;
};

describe('SECURITY_QUESTIONS', () => {
  it('ships about 10 distinct questions with stable ids', () => {
    assert.ok(SECURITY_QUESTIONS.length >= 8 && SECURITY_QUESTIONS.length <= 12);
    assert.equal(new Set(SECURITY_QUESTIONS.map((q) => q.id)).size, SECURITY_QUESTIONS.length);
    assert.equal(new Set(SECURITY_QUESTIONS.map((q) => q.text)).size, SECURITY_QUESTIONS.length);
    for (const q of SECURITY_QUESTIONS) assert.match(q.text, /\?$/);
  });
});

describe('normaliseAnswer', () => {
  it('trims, lower-cases and collapses inner whitespace', () => {
    assert.equal(normaliseAnswer('  New \t  York\n'), 'new york');
    assert.equal(normaliseAnswer('ROTHERHAM'), 'rotherham');
  });

  it('is idempotent', () => {
    fc.assert(fc.property(fc.string(), (s) => normaliseAnswer(normaliseAnswer(s)) === normaliseAnswer(s)));
  });
});

describe('checkSecurityQuestions', () => {
  it('accepts 3 different questions with good answers', () => {
    assert.deepEqual(checkSecurityQuestions(good), { ok: true, problems: [] });
  });

  it('needs exactly 3 questions', () => {
    const message = 'Choose 3 security questions and answer each one.';
    assert.deepEqual(checkSecurityQuestions(good.slice(0, 2)).problems, [{ rule: 'wrong_count', message }]);
    const four = [...good, { questionId: 'first-car', answer: 'Fiesta' }];
    assert.deepEqual(checkSecurityQuestions(four).problems, [{ rule: 'wrong_count', message }]);
  });

  it('needs questions from the list', () => {
    const entries = good.map((e, i) => (i === 1 ? { ...e, questionId: 'favourite-colour' } : e));
    assert.deepEqual(checkSecurityQuestions(entries).problems, [
      { rule: 'unknown_question', message: 'Choose security question 2 from the list.', index: 1 },
    ]);
  });

  it('needs 3 different questions', () => {
    const entries = good.map((e, i) => (i === 2 ? { ...e, questionId: 'first-school' } : e));
    assert.deepEqual(checkSecurityQuestions(entries).problems, [
      {
        rule: 'duplicate_question',
        message: 'Security question 3 is the same as another one. Choose 3 different questions.',
        index: 2,
      },
    ]);
  });

  it('needs answers of 5 characters or more, counted after normalising', () => {
    assert.deepEqual(checkSecurityQuestions(withAnswer(0, ' Ford ')).problems, [
      { rule: 'answer_too_short', message: 'Answer 1 must be 5 characters or more.', index: 0 },
    ]);
    assert.equal(checkSecurityQuestions(withAnswer(0, 'Fords')).ok, true);
    // Inner spaces collapse to one before counting: "st m" is 4, "st ma" is 5.
    assert.deepEqual(checkSecurityQuestions(withAnswer(0, 'St   M')).problems.map((p) => p.rule), ['answer_too_short']);
    assert.equal(checkSecurityQuestions(withAnswer(0, 'St   Ma')).ok, true);
  });

  it('needs answers of 12 characters or fewer', () => {
    assert.deepEqual(checkSecurityQuestions(withAnswer(2, 'Wolverhampton')).problems, [
      { rule: 'answer_too_long', message: 'Answer 3 must be 12 characters or fewer.', index: 2 },
    ]);
    assert.equal(checkSecurityQuestions(withAnswer(2, 'Loughborough')).ok, true);
  });

  it('needs all 3 answers different, ignoring case and spacing', () => {
    assert.deepEqual(checkSecurityQuestions(withAnswer(2, '  BISCUIT ')).problems, [
      {
        rule: 'answers_not_different',
        message: 'Answer 3 is the same as another answer. Give a different answer to each question.',
        index: 2,
      },
    ]);
    assert.equal(checkSecurityQuestions(withAnswer(2, 'Biscuits')).ok, true);
  });

  it('refuses 3 or more of the same character in a row, in any case', () => {
    const message = 'Answer 2 must not have the same character 3 or more times in a row, like "aaa". Change your answer.';
    assert.deepEqual(checkSecurityQuestions(withAnswer(1, 'BaAabc')).problems, [
      { rule: 'repeated_characters', message, index: 1 },
    ]);
    assert.equal(checkSecurityQuestions(withAnswer(1, 'Baabcaa')).ok, true);
  });

  it('reports every problem at once', () => {
    const entries = [
      { questionId: 'first-pet', answer: 'aaa' },
      { questionId: 'first-pet', answer: 'AAA' },
    ];
    assert.deepEqual(
      checkSecurityQuestions(entries).problems.map((p) => [p.rule, p.index]),
      [
        ['wrong_count', undefined],
        ['answer_too_short', 0],
        ['repeated_characters', 0],
        ['duplicate_question', 1],
        ['answer_too_short', 1],
        ['repeated_characters', 1],
        ['answers_not_different', 1],
      ],
    );
  });
});

describe('pickCharacterPositions', () => {
  it('picks distinct 1-based positions in range, in ascending order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((length) => fc.tuple(fc.constant(length), fc.integer({ min: 0, max: length }))),
        fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
        ([length, count], seeds) => {
          const positions = pickCharacterPositions(length, count, rngFrom(seeds));
          assert.equal(positions.length, count);
          assert.equal(new Set(positions).size, count);
          for (const p of positions) assert.ok(Number.isInteger(p) && p >= 1 && p <= length);
          assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('uses crypto.randomInt by default and reaches every position', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) for (const p of pickCharacterPositions(8, 3)) seen.add(p);
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses to pick more positions than there are characters', () => {
    assert.throws(() => pickCharacterPositions(2, 3), RangeError);
    assert.throws(() => pickCharacterPositions(5, -1), RangeError);
    assert.throws(() => pickCharacterPositions(5, 2, () => 99), RangeError);
  });
});

describe('checkCharacters', () => {
  it('accepts the right characters in any case and refuses wrong ones', () => {
    // "st mary" has the characters s t m a r y once spaces are left out.
    assert.deepEqual(answerCharacters(' St  Mary '), ['s', 't', 'm', 'a', 'r', 'y']);
    assert.equal(checkCharacters('St Mary', [1, 3, 6], ['s', 'M', 'y']), true);
    assert.equal(checkCharacters('St Mary', [1, 3, 6], ['s', 'm', 'r']), false);
    assert.equal(checkCharacters('St Mary', [1, 3, 6], ['s', 'm']), false);
    assert.equal(checkCharacters('St Mary', [1, 3, 6], ['s', 'my', 'y']), false);
    assert.equal(checkCharacters('St Mary', [1, 3, 6], ['s', '', 'y']), false);
  });

  it('fails rather than throws on positions that no longer fit the answer', () => {
    assert.equal(checkCharacters('Biscuit', [1, 9], ['b', 'x']), false);
    assert.equal(checkCharacters('Biscuit', [2, 2], ['i', 'i']), false);
    assert.equal(checkCharacters('Biscuit', [], []), false);
  });

  it('handles accented characters typed either way', () => {
    assert.equal(checkCharacters('Zoë Ann', [3], ['Ë']), true);
    assert.equal(checkCharacters('Zoe\u0308 Ann', [3], ['\u00eb']), true);
    assert.equal(checkCharacters('Zoë Ann', [3], ['e']), false);
  });

  it('property: accepts exactly the right characters', () => {
    const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789é');
    fc.assert(
      fc.property(
        fc.string({ unit: letter, minLength: 5, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        letter,
        (answer, seeds, which, replacement) => {
          const chars = answerCharacters(answer);
          const positions = pickCharacterPositions(chars.length, 3, rngFrom(seeds));
          const right = positions.map((p) => chars[p - 1]);
          assert.equal(checkCharacters(answer, positions, right), true);
          assert.equal(checkCharacters(answer, positions, right.map((c) => c.toUpperCase())), true);
          const wrong = [...right];
          const i = which % wrong.length;
          wrong[i] = replacement;
          assert.equal(checkCharacters(answer, positions, wrong), replacement.toLowerCase() === right[i]);
        },
      ),
    );
  });
});
