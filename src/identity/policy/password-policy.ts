// Password rules follow NCSC guidance: length over complexity, no forced mix of
// character types, and a block on passwords attackers try first.
import { isCommonPassword } from './common-passwords.ts';

export type AccountKind = 'person' | 'application';

/** Application accounts are set up once and stored in a vault, so a longer minimum costs nobody anything. */
export const MIN_PASSWORD_LENGTH: Readonly<Record<AccountKind, number>> = { person: 10, application: 20 };

/** How many previous password hashes the caller compares against to set `isRecentPassword`. */
export const PASSWORD_HISTORY_COUNT = 4;

export interface PasswordContext {
  firstName: string;
  lastName: string;
  kind: AccountKind;
  isRecentPassword: boolean;
}

export type PasswordRule = 'too_short' | 'has_space' | 'contains_name' | 'recently_used' | 'common';

export interface PasswordProblem {
  rule: PasswordRule;
  message: string;
}

export type PasswordCheck = { ok: true; problems: [] } | { ok: false; problems: PasswordProblem[] };

export const PASSWORD_MESSAGES = {
  too_short: (min: number) =>
    `Password must be ${min} characters or more. Try joining 3 or more random words together.`,
  has_space: 'Password must not contain spaces. Remove the spaces, or join the words together.',
  contains_name: 'Password must not contain your first name or last name. Choose a password without your name in it.',
  recently_used: `Password must not be one of your last ${PASSWORD_HISTORY_COUNT} passwords. Choose a password you have not used before.`,
  common: 'This password is too common and easy to guess. Choose a different password, for example 3 random words joined together.',
} as const;

/** Lower-cases and strips accents, so "Zoë" and "zoe" compare equal. */
export function foldForComparison(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The parts of a name worth looking for: the whole name squeezed to letters and
 * each part on its own ("Smith-Jones" gives smithjones, smith, jones). Parts
 * under 3 letters are dropped because they turn up inside too many passwords.
 */
export function nameTokens(names: readonly string[]): string[] {
  const tokens = new Set<string>();
  for (const name of names) {
    const folded = foldForComparison(name);
    for (const token of [folded.replace(/\P{L}/gu, ''), ...folded.split(/\P{L}+/u)]) {
      if ([...token].length >= 3) tokens.add(token);
    }
  }
  return [...tokens];
}

export function checkPassword(candidate: string, ctx: PasswordContext): PasswordCheck {
  const problems: PasswordProblem[] = [];
  const min = MIN_PASSWORD_LENGTH[ctx.kind];
  // Count code points, not UTF-16 units, so an emoji is one character as the person sees it.
  if ([...candidate.normalize('NFC')].length < min) {
    problems.push({ rule: 'too_short', message: PASSWORD_MESSAGES.too_short(min) });
  }
  if (/\s/u.test(candidate)) problems.push({ rule: 'has_space', message: PASSWORD_MESSAGES.has_space });
  const folded = foldForComparison(candidate);
  if (nameTokens([ctx.firstName, ctx.lastName]).some((token) => folded.includes(token))) {
    problems.push({ rule: 'contains_name', message: PASSWORD_MESSAGES.contains_name });
  }
  if (ctx.isRecentPassword) problems.push({ rule: 'recently_used', message: PASSWORD_MESSAGES.recently_used });
  if (isCommonPassword(candidate)) problems.push({ rule: 'common', message: PASSWORD_MESSAGES.common });
  return problems.length === 0 ? { ok: true, problems: [] } : { ok: false, problems };
}

export interface ExpirySettings {
  expiryDays: number;
  reminderDays: readonly number[];
}

export const DEFAULT_EXPIRY_SETTINGS: ExpirySettings = { expiryDays: 365, reminderDays: [18, 10, 5, 2, 1] };

export interface PasswordExpiry {
  expiresAt: Date;
  /** Whole days left, rounded up, so it only reaches 0 once the password has expired. */
  daysLeft: number;
  expired: boolean;
  /** The reminder threshold that today falls on, or null on days with no reminder. */
  reminderDue: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function passwordExpiry(
  changedAt: Date,
  now: Date,
  settings: Partial<ExpirySettings> = {},
): PasswordExpiry {
  const { expiryDays, reminderDays } = { ...DEFAULT_EXPIRY_SETTINGS, ...settings };
  if (Number.isNaN(changedAt.getTime()) || Number.isNaN(now.getTime())) {
    throw new RangeError('passwordExpiry needs valid dates');
  }
  const expiresAt = new Date(changedAt.getTime() + expiryDays * DAY_MS);
  const remaining = expiresAt.getTime() - now.getTime();
  const expired = remaining <= 0;
  const daysLeft = expired ? 0 : Math.ceil(remaining / DAY_MS);
  const reminderDue = !expired && reminderDays.includes(daysLeft) ? daysLeft : null;
  return { expiresAt, daysLeft, expired, reminderDue };
}
