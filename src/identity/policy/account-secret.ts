// The account secret proves who is calling the helpdesk. Staff ask for 3 of its
// letters over the phone, so it is letters only (easy to spell out) and is never
// read out whole.
import { foldForComparison, nameTokens } from './password-policy.ts';
import { matchesAtPositions, pickCharacterPositions, type RandomInt } from './security-questions.ts';

/** "Longer than 8 characters". */
export const SECRET_MIN_LENGTH = 9;
/** How many previous secret hashes the caller compares against to set `isRecentSecret`. */
export const SECRET_HISTORY_COUNT = 5;
export const SECRET_POSITION_COUNT = 3;

export interface AccountSecretContext {
  firstName: string;
  lastName: string;
  organisationName: string;
  organisationShortName: string;
  isRecentSecret: boolean;
}

export type AccountSecretRule = 'not_letters' | 'too_short' | 'contains_name' | 'contains_organisation' | 'recently_used';

export interface AccountSecretProblem {
  rule: AccountSecretRule;
  message: string;
}

export type AccountSecretCheck = { ok: true; problems: [] } | { ok: false; problems: AccountSecretProblem[] };

export const ACCOUNT_SECRET_MESSAGES = {
  not_letters: 'Account secret must only include letters a to z. Remove any numbers, spaces or symbols.',
  too_short: `Account secret must be ${SECRET_MIN_LENGTH} letters or more. Add more letters.`,
  contains_name: 'Account secret must not contain your first name or last name. Choose a word without your name in it.',
  contains_organisation: "Account secret must not contain your organisation's name. Choose a word without it.",
  recently_used: `Account secret must not be one of your last ${SECRET_HISTORY_COUNT} account secrets. Choose one you have not used before.`,
} as const;

function lettersOnly(text: string): string {
  return foldForComparison(text).replace(/[^a-z]/g, '');
}

/**
 * An organisation's name is matched whole, not word by word: words such as
 * "nhs", "trust" or "care" are in so many names that blocking them helps nobody.
 */
function organisationTokens(names: readonly string[]): string[] {
  return names.map(lettersOnly).filter((token) => token.length >= 3);
}

export function checkAccountSecret(secret: string, ctx: AccountSecretContext): AccountSecretCheck {
  const problems: AccountSecretProblem[] = [];
  const add = (rule: AccountSecretRule) => problems.push({ rule, message: ACCOUNT_SECRET_MESSAGES[rule] });
  if (/[^A-Za-z]/.test(secret)) add('not_letters');
  if (secret.length < SECRET_MIN_LENGTH) add('too_short');
  const folded = lettersOnly(secret);
  const personTokens = nameTokens([ctx.firstName, ctx.lastName]).map(lettersOnly).filter((t) => t.length >= 3);
  if (personTokens.some((token) => folded.includes(token))) add('contains_name');
  const orgTokens = organisationTokens([ctx.organisationName, ctx.organisationShortName]);
  if (orgTokens.some((token) => folded.includes(token))) add('contains_organisation');
  if (ctx.isRecentSecret) add('recently_used');
  return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
}

export function pickSecretPositions(length: number, rng?: RandomInt): number[] {
  return pickCharacterPositions(length, SECRET_POSITION_COUNT, rng);
}

/** Pass or fail only: saying which letter was wrong would help someone guessing. */
export function checkSecretCharacters(secret: string, positions: readonly number[], answers: readonly string[]): boolean {
  return matchesAtPositions(
    [...secret.toLowerCase()],
    positions,
    answers.map((a) => a.trim().toLowerCase()),
  );
}
