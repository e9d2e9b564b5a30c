import type { Kysely } from 'kysely';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { DB } from '../../db/schema.ts';
import { appendAudit, type FrontDoor } from '../../audit/trail.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import { actorForAudit } from '../actor.ts';
import { type Actor, NotAllowedError, requireAllowed } from '../authorise.ts';
import type { SecretKeys } from '../secret-key.ts';
import { finishPasskeyRegistration, type RelyingParty } from './passkeys.ts';
import { clearMfa } from './reset.ts';
import { type MfaMethods, mfaMethods, mfaRequirement, requirementMet } from './status.ts';
import { withMfaColumns } from './tables.ts';
import { checkTotpCode, type TotpCheck } from './totp.ts';

/**
 * Adding and removing second factors, with the rules around them: an
 * administrator keeps at least one authenticator app or passkey, a user whose
 * organisation requires MFA keeps at least one method, and an LA may reset
 * another person's MFA but never their own. Every change is audited.
 */
export type FactorContext = { actor: Actor; frontDoor: FrontDoor; ip?: string | null };

async function audit(db: Kysely<DB>, accountId: string, action: string, ctx: FactorContext, detail: Record<string, unknown> = {}) {
  const acc = await db.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', accountId).executeTakeFirstOrThrow();
  await appendAudit(db, {
    actor: actorForAudit(ctx.actor),
    action,
    target: { type: 'account', id: accountId },
    organisationId: acc.organisation_id,
    frontDoor: ctx.frontDoor,
    ip: ctx.ip,
    detail: { email: acc.email, ...detail },
  });
}

/** Refuses a removal that would leave the account below what it must have. */
async function guardRemoval(db: Kysely<DB>, accountId: string, after: MfaMethods): Promise<void> {
  const requirement = await mfaRequirement(db, accountId);
  if (requirementMet(requirement, after)) return;
  throw new ConflictError(
    requirement === 'strong'
      ? 'Administrators must keep an authenticator app or a passkey. Add another one before removing this one.'
      : 'Your organisation requires a second way to sign in. Add another method before removing this one.',
  );
}

export async function confirmTotpEnrolment(db: Kysely<DB>, keys: SecretKeys, accountId: string, code: string, ctx: FactorContext): Promise<TotpCheck> {
  const check = await checkTotpCode(db, keys, accountId, code, { confirming: true });
  if (check.ok) await audit(db, accountId, 'mfa.totp_added', ctx);
  return check;
}

export async function removeTotp(db: Kysely<DB>, accountId: string, ctx: FactorContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await mfaMethods(trx, accountId);
    if (!before.totp) throw new NotFoundError('There is no authenticator app to remove.');
    await guardRemoval(trx, accountId, { ...before, totp: false });
    await trx.deleteFrom('mfa_totp').where('account_id', '=', accountId).execute();
    await audit(trx, accountId, 'mfa.totp_removed', ctx);
  });
}

export async function addPasskey(
  db: Kysely<DB>,
  rp: RelyingParty,
  accountId: string,
  response: RegistrationResponseJSON,
  name: string,
  ctx: FactorContext,
): Promise<void> {
  const { id } = await finishPasskeyRegistration(db, rp, accountId, response, name);
  await audit(db, accountId, 'mfa.passkey_added', ctx, { passkey: id });
}

export async function removePasskey(db: Kysely<DB>, accountId: string, passkeyId: string, ctx: FactorContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = await trx.selectFrom('mfa_passkeys').select(['id', 'name']).where('id', '=', passkeyId).where('account_id', '=', accountId).executeTakeFirst();
    if (!key) throw new NotFoundError('There is no such passkey on your account.');
    const before = await mfaMethods(trx, accountId);
    await guardRemoval(trx, accountId, { ...before, passkeys: before.passkeys - 1 });
    await trx.deleteFrom('mfa_passkeys').where('id', '=', passkeyId).execute();
    await audit(trx, accountId, 'mfa.passkey_removed', ctx, { passkey: key.id, name: key.name });
  });
}

/** Marks the account's mobile as confirmed (after a code sent to it was typed back). */
export async function markMobileVerified(db: Kysely<DB>, accountId: string, mobile: string, ctx: FactorContext): Promise<void> {
  await withMfaColumns(db).updateTable('accounts').set({ mobile_verified: mobile }).where('id', '=', accountId).execute();
  await audit(db, accountId, 'account.mobile_verified', ctx);
}

export async function setSmsMfa(db: Kysely<DB>, accountId: string, on: boolean, ctx: FactorContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const mdb = withMfaColumns(trx);
    if (on) {
      const acc = await mdb.selectFrom('accounts').select(['mobile', 'mobile_verified']).where('id', '=', accountId).executeTakeFirstOrThrow();
      if (!acc.mobile || acc.mobile !== acc.mobile_verified) throw new ConflictError('Confirm your UK mobile number with a code first.');
    } else {
      const before = await mfaMethods(trx, accountId);
      await guardRemoval(trx, accountId, { ...before, sms: false });
    }
    await mdb.updateTable('accounts').set({ sms_mfa: on }).where('id', '=', accountId).execute();
    await audit(trx, accountId, on ? 'mfa.sms_on' : 'mfa.sms_off', ctx);
  });
}

/** An LA or helpdesk resets someone's MFA (a lost phone): the person registers again at the next sign-in. */
export async function resetMfaByAdmin(db: Kysely<DB>, targetAccountId: string, ctx: FactorContext): Promise<void> {
  if (ctx.actor.kind === 'account' && ctx.actor.accountId === targetAccountId) {
    throw new NotAllowedError('You cannot reset your own MFA. Ask another administrator to do it.');
  }
  await db.transaction().execute(async (trx) => {
    const target = await trx.selectFrom('accounts').select(['organisation_id']).where('id', '=', targetAccountId).executeTakeFirst();
    if (!target) throw new NotFoundError('That account does not exist.');
    await requireAllowed(trx, ctx.actor, 'account.reset_mfa', { organisationId: target.organisation_id });
    await clearMfa(trx, targetAccountId);
    await trx.deleteFrom('sessions').where('account_id', '=', targetAccountId).execute();
    await audit(trx, targetAccountId, 'account.reset_mfa', ctx);
  });
}
