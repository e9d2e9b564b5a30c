import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { ADMIN_ROLES, type Role } from '../roles.ts';
import { withMfaColumns } from './tables.ts';

/** What second factors an account has. */
export type MfaMethods = { totp: boolean; passkeys: number; sms: boolean };

export async function mfaMethods(db: Kysely<DB>, accountId: string): Promise<MfaMethods> {
  const totp = await db.selectFrom('mfa_totp').select('confirmed').where('account_id', '=', accountId).executeTakeFirst();
  const passkeys = await db.selectFrom('mfa_passkeys').select((eb) => eb.fn.countAll<string>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
  const acc = await withMfaColumns(db).selectFrom('accounts').select(['sms_mfa', 'mobile', 'mobile_verified']).where('id', '=', accountId).executeTakeFirst();
  return {
    totp: totp?.confirmed ?? false,
    passkeys: Number(passkeys.n),
    // SMS counts only while the number it was confirmed on is still the account's mobile.
    sms: Boolean(acc?.sms_mfa && acc.mobile && acc.mobile === acc.mobile_verified),
  };
}

export function hasAnyMfa(m: MfaMethods): boolean {
  return m.totp || m.passkeys > 0 || m.sms;
}

export function hasStrongMfa(m: MfaMethods): boolean {
  return m.totp || m.passkeys > 0;
}

/** Whether an account has any second factor on (then mail clients must use app passwords). */
export async function accountHasAnyMfa(db: Kysely<DB>, accountId: string): Promise<boolean> {
  return hasAnyMfa(await mfaMethods(db, accountId));
}

/**
 * Whether an account has a strong second factor (an authenticator app or a
 * passkey): what every administrator must have.
 */
export async function accountHasStrongMfa(db: Kysely<DB>, accountId: string): Promise<boolean> {
  return hasStrongMfa(await mfaMethods(db, accountId));
}

export async function holdsAdminRole(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const rows = await db.selectFrom('account_roles').select('role').where('account_id', '=', accountId).execute();
  return rows.some((r) => ADMIN_ROLES.has(r.role as Role));
}

/** Whether the account's organisation, or one above it, requires MFA of all its users. */
export async function organisationRequiresMfa(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await withMfaColumns(db)
    .selectFrom('accounts as a')
    .innerJoin('organisation_closure as c', 'c.descendant_id', 'a.organisation_id')
    .innerJoin('organisations as o', 'o.id', 'c.ancestor_id')
    .select('o.id')
    .where('a.id', '=', accountId)
    .where('o.require_mfa', '=', true)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** What this account must have: 'strong' (administrators), 'any' (organisation rule) or nothing. */
export async function mfaRequirement(db: Kysely<DB>, accountId: string): Promise<'strong' | 'any' | null> {
  if (await holdsAdminRole(db, accountId)) return 'strong';
  if (await organisationRequiresMfa(db, accountId)) return 'any';
  return null;
}

export function requirementMet(requirement: 'strong' | 'any' | null, m: MfaMethods): boolean {
  if (requirement === 'strong') return hasStrongMfa(m);
  if (requirement === 'any') return hasAnyMfa(m);
  return true;
}
