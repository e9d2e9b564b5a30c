import { randomInt } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane): about 7 ms a hash on
 * this class of machine, strong enough that a stolen table is slow to attack.
 */
export const ARGON2_PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/**
 * Lighter Argon2id (2 MiB, 1 pass, well under a millisecond) for temporary
 * passwords only. They are random with about 92 bits of entropy, so no amount
 * of hashing cost changes how long a stolen hash takes to reverse (2^91
 * guesses on average); the cost exists to slow attacks on passwords people
 * choose, which always get ARGON2_PARAMS. The PHC string records the
 * parameters, so verifying needs nothing else. This is what lets a bulk file
 * of 10,000 new accounts be hashed in seconds rather than minutes.
 */
export const TEMPORARY_ARGON2_PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 2048, timeCost: 1, parallelism: 1 } as const;

export function hashTemporaryPassword(password: string): Promise<string> {
  return hash(password, TEMPORARY_ARGON2_PARAMS);
}

/** True for a hash made with less work than ARGON2_PARAMS (a temporary password's). */
function lighterThanFull(storedHash: string): boolean {
  const m = /\$m=(\d+),t=(\d+)/.exec(storedHash);
  return !m || Number(m[1]) * Number(m[2]) < ARGON2_PARAMS.memoryCost * ARGON2_PARAMS.timeCost;
}

export async function passwordMatches(storedHash: string | null, password: string): Promise<boolean> {
  if (!storedHash) {
    // Spend the same time as a real check, so "no such account" cannot be told apart by timing.
    await hash(password, ARGON2_PARAMS);
    return false;
  }
  let ok: boolean;
  try {
    ok = await verify(storedHash, password);
  } catch {
    ok = false;
  }
  // A quick answer would tell that the account exists and still has its temporary password.
  if (lighterThanFull(storedHash)) await hash(password, ARGON2_PARAMS);
  return ok;
}

// No 0/O, 1/l/I: a temporary password is read aloud or copied by hand.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * A one-time password an LA hands over; 16 characters from 54 is about 92 bits,
 * which is what makes TEMPORARY_ARGON2_PARAMS safe: keep it at 16 or more.
 */
export function temporaryPassword(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}
