// Security questions back up a password reset when no other route is set up. Only
// a few characters of an answer are ever asked for, so a person who watches one
// reset cannot replay the whole answer.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export interface SecurityQuestion {
  id: string;
  text: string;
}

// Avoids facts that are often public (mother's maiden name, date of birth) or that change.
export const SECURITY_QUESTIONS: readonly SecurityQuestion[] = [
  { id: 'first-school', text: 'What was the name of your first school?' },
  { id: 'birth-town', text: 'In which town or city were you born?' },
  { id: 'first-pet', text: 'What was the name of your first pet?' },
  { id: 'first-car', text: 'What was the make and model of your first car?' },
  { id: 'childhood-street', text: 'What was the name of the street you lived on as a child?' },
  { id: 'favourite-teacher', text: 'What was the surname of your favourite teacher?' },
  { id: 'childhood-friend', text: 'What was the first name of your best friend at school?' },
  { id: 'childhood-nickname', text: 'What was your nickname as a child?' },
  { id: 'parents-met', text: 'In which town or city did your parents meet?' },
  { id: 'first-job', text: 'What was the name of the place where you had your first job?' },
];

export const QUESTION_COUNT = 3;
export const ANSWER_MIN_LENGTH = 5;
export const ANSWER_MAX_LENGTH = 12;

export interface SecurityAnswerInput {
  questionId: string;
  answer: string;
}

export type SecurityQuestionRule =
  | 'wrong_count'
  | 'unknown_question'
  | 'duplicate_question'
  | 'answer_too_short'
  | 'answer_too_long'
  | 'answers_not_different'
  | 'repeated_characters';

export interface SecurityQuestionProblem {
  rule: SecurityQuestionRule;
  message: string;
  /** 0-based position of the question the problem belongs to, so the page can mark that field. */
  index?: number;
}

export type SecurityQuestionsCheck =
  | { ok: true; problems: [] }
  | { ok: false; problems: SecurityQuestionProblem[] };

export const SECURITY_QUESTION_MESSAGES = {
  wrong_count: `Choose ${QUESTION_COUNT} security questions and answer each one.`,
  unknown_question: (n: number) => `Choose security question ${n} from the list.`,
  duplicate_question: (n: number) => `Security question ${n} is the same as another one. Choose ${QUESTION_COUNT} different questions.`,
  answer_too_short: (n: number) => `Answer ${n} must be ${ANSWER_MIN_LENGTH} characters or more.`,
  answer_too_long: (n: number) => `Answer ${n} must be ${ANSWER_MAX_LENGTH} characters or fewer.`,
  answers_not_different: (n: number) => `Answer ${n} is the same as another answer. Give a different answer to each question.`,
  repeated_characters: (n: number) =>
    `Answer ${n} must not have the same character 3 or more times in a row, like "aaa". Change your answer.`,
} as const;

/** One canonical form for storing and comparing answers: "  New   York " becomes "new york". */
export function normaliseAnswer(answer: string): string {
  return answer.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

export function checkSecurityQuestions(entries: readonly SecurityAnswerInput[]): SecurityQuestionsCheck {
  const problems: SecurityQuestionProblem[] = [];
  if (entries.length !== QUESTION_COUNT) {
    problems.push({ rule: 'wrong_count', message: SECURITY_QUESTION_MESSAGES.wrong_count });
  }
  const known = new Set(SECURITY_QUESTIONS.map((q) => q.id));
  const seenQuestions = new Set<string>();
  const seenAnswers = new Set<string>();
  entries.forEach((entry, index) => {
    const n = index + 1;
    const add = (rule: SecurityQuestionRule, message: string) => problems.push({ rule, message, index });
    if (!known.has(entry.questionId)) add('unknown_question', SECURITY_QUESTION_MESSAGES.unknown_question(n));
    else if (seenQuestions.has(entry.questionId)) add('duplicate_question', SECURITY_QUESTION_MESSAGES.duplicate_question(n));
    seenQuestions.add(entry.questionId);

    const answer = normaliseAnswer(entry.answer);
    const length = [...answer].length;
    if (length < ANSWER_MIN_LENGTH) add('answer_too_short', SECURITY_QUESTION_MESSAGES.answer_too_short(n));
    if (length > ANSWER_MAX_LENGTH) add('answer_too_long', SECURITY_QUESTION_MESSAGES.answer_too_long(n));
    if (/(.)\1\1/u.test(answer)) add('repeated_characters', SECURITY_QUESTION_MESSAGES.repeated_characters(n));
    if (answer && seenAnswers.has(answer)) add('answers_not_different', SECURITY_QUESTION_MESSAGES.answers_not_different(n));
    seenAnswers.add(answer);
  });
  return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
}

/**
 * The characters that positions count over: the normalised answer without its
 * spaces, because a space typed into a single-character box is easily lost.
 */
export function answerCharacters(answer: string): string[] {
  return [...normaliseAnswer(answer).replace(/ /g, '')];
}

/** Returns an integer in [0, max), the contract of crypto.randomInt. */
export type RandomInt = (max: number) => number;

const secureRandomInt: RandomInt = (max) => randomInt(max);

/** Distinct 1-based positions in ascending order, as the page asks for them ("characters 2, 5 and 7"). */
export function pickCharacterPositions(answerLength: number, count: number, rng: RandomInt = secureRandomInt): number[] {
  if (!Number.isInteger(answerLength) || answerLength < 0) throw new RangeError('answerLength must be a whole number');
  if (!Number.isInteger(count) || count < 0 || count > answerLength) {
    throw new RangeError(`cannot pick ${count} distinct positions from ${answerLength}`);
  }
  // A partial Fisher-Yates shuffle: every set of positions is equally likely.
  const pool = Array.from({ length: answerLength }, (_, i) => i + 1);
  for (let i = 0; i < count; i++) {
    const j = i + rng(answerLength - i);
    if (!Number.isInteger(j) || j < i || j >= answerLength) throw new RangeError('rng returned a number out of range');
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

function validPositions(positions: readonly number[], length: number): boolean {
  return (
    positions.every((p) => Number.isInteger(p) && p >= 1 && p <= length) && new Set(positions).size === positions.length
  );
}

/**
 * Whether `given[i]` is the character at `positions[i]` of `expected` (both
 * already folded by the caller). Bad positions fail rather than throw: the answer
 * may have been changed since the positions were picked.
 */
export function matchesAtPositions(expected: readonly string[], positions: readonly number[], given: readonly string[]): boolean {
  if (positions.length === 0 || !validPositions(positions, expected.length)) return false;
  if (given.length !== positions.length || given.some((c) => [...c].length !== 1)) return false;
  // Fixed-size digests, so the time taken does not reveal how many characters were right.
  return timingSafeEqual(digest(positions.map((p) => expected[p - 1])), digest(given));
}

function digest(chars: readonly string[]): Buffer {
  return createHash('sha256').update(chars.join(''), 'utf8').digest();
}

/** Checks the characters a person typed against their stored answer. */
export function checkCharacters(answer: string, positions: readonly number[], given: readonly string[]): boolean {
  return matchesAtPositions(
    answerCharacters(answer),
    positions,
    given.map((c) => normaliseAnswer(c)),
  );
}
