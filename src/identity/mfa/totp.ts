import type { Kysely } from 'kysely';
import { generateSecret, generateURI, verify } from 'otplib';
import type { DB } from '../../db/schema.ts';
import { ConflictError } from '../../shared/errors.ts';
import { open, seal, type SecretKeys } from '../secret-key.ts';
import './tables.ts';

/**
 * TOTP (RFC 6238: 30-second steps, 6 digits, SHA-1, as every authenticator app
 * expects). The seed is stored encrypted; the last time step accepted is kept
 * per account, and a code is accepted only for a later step, so a code seen over
 * someone's shoulder cannot be used again, on this process or any other.
 */
export const TOTP_ISSUER = 'Caremail';
/** One step either side: phones' clocks drift and people type slowly. */
const TOLERANCE_SECONDS = 30;
const PERIOD_SECONDS = 30;

/**
 * The demo administrators' seed. It is public (in the README), as the demo
 * password is, and works only for demo accounts, which sign in only in demo mode.
 */
export const DEMO_TOTP_SEED = 'CAREMAILDEMOSEEDFORDEVELOPMENTXX';
/** Stored instead of a sealed seed for demo accounts: the demo world is made before any key is at hand. */
export const DEMO_SEED_MARKER = 'demo';

const context = (accountId: string) => `totp:${accountId}`;

function seedOf(keys: SecretKeys, accountId: string, stored: string): string {
  return stored === DEMO_SEED_MARKER ? DEMO_TOTP_SEED : open(keys, stored, context(accountId));
}

export type TotpEnrolment = { secret: string; uri: string };

/** Makes a new seed waiting for its first code; an app already confirmed must be removed first. */
export async function startTotpEnrolment(db: Kysely<DB>, keys: SecretKeys, accountId: string, label: string): Promise<TotpEnrolment> {
  const existing = await db.selectFrom('mfa_totp').select('confirmed').where('account_id', '=', accountId).executeTakeFirst();
  if (existing?.confirmed) throw new ConflictError('An authenticator app is already set up. Remove it before adding another.');
  const secret = generateSecret();
  const secretEnc = seal(keys, secret, context(accountId));
  await db
    .insertInto('mfa_totp')
    .values({ account_id: accountId, secret_enc: secretEnc, confirmed: false, last_time_step: null })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ secret_enc: secretEnc, last_time_step: null }))
    .execute();
  return { secret, uri: generateURI({ issuer: TOTP_ISSUER, label, secret }) };
}

/** The seed still waiting for confirmation (to show the QR code again after a wrong code). */
export async function pendingTotpEnrolment(db: Kysely<DB>, keys: SecretKeys, accountId: string, label: string): Promise<TotpEnrolment | null> {
  const row = await db.selectFrom('mfa_totp').select(['secret_enc', 'confirmed']).where('account_id', '=', accountId).executeTakeFirst();
  if (!row || row.confirmed) return null;
  const secret = seedOf(keys, accountId, row.secret_enc);
  return { secret, uri: generateURI({ issuer: TOTP_ISSUER, label, secret }) };
}

export type TotpCheck = { ok: true } | { ok: false; reason: 'not_set_up' | 'wrong' | 'reused' };

/**
 * Checks a code. With `confirming`, checks against the seed waiting for its
 * first code and marks it confirmed. The step is claimed by a conditional
 * update, so two processes given the same code cannot both accept it.
 */
export async function checkTotpCode(
  db: Kysely<DB>,
  keys: SecretKeys,
  accountId: string,
  code: string,
  opts: { confirming?: boolean; now?: Date } = {},
): Promise<TotpCheck> {
  const row = await db.selectFrom('mfa_totp').select(['secret_enc', 'confirmed']).where('account_id', '=', accountId).executeTakeFirst();
  if (!row || row.confirmed === Boolean(opts.confirming)) return { ok: false, reason: 'not_set_up' };
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'wrong' };
  const epoch = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const result = await verify({ secret: seedOf(keys, accountId, row.secret_enc), token, epoch, epochTolerance: TOLERANCE_SECONDS });
  if (!result.valid) return { ok: false, reason: 'wrong' };
  const timeStep = Math.floor(epoch / PERIOD_SECONDS) + result.delta;
  const claimed = await db
    .updateTable('mfa_totp')
    .set({ last_time_step: timeStep, confirmed: true })
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('last_time_step', 'is', null), eb('last_time_step', '<', String(timeStep))]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1 ? { ok: true } : { ok: false, reason: 'reused' };
}

export async function hasConfirmedTotp(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('mfa_totp').select('confirmed').where('account_id', '=', accountId).executeTakeFirst();
  return row?.confirmed ?? false;
}
