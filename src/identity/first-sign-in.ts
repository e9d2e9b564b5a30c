import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { AccountInput } from '../directory/account-schema.ts';
import { ValidationError, zodProblems } from '../shared/errors.ts';
import { acceptableUsePolicy } from './acceptable-use.ts';
import { type ActionContext, auditAccount } from './audit-account.ts';
import { hasSecurityAnswers } from './security-answers.ts';
import { hasAnyMfa, type MfaMethods, mfaMethods, mfaRequirement, requirementMet } from './mfa/status.ts';
import { withMfaColumns } from './mfa/tables.ts';
import { withSignInColumns } from './sign-in-tables.ts';

/**
 * The first sign-in checklist (SPEC 3, Keycloak's "required actions"): until
 * every step is done nothing else in the Portal is open. Some steps come back
 * later on their own: a temporary password set by an LA, an administrator
 * whose MFA was reset, a re-secured account whose 30 days have passed.
 */
export const FIRST_SIGN_IN_STEPS = ['password', 'aup', 'mfa', 'profile', 'secret', 'recovery'] as const;
export type FirstSignInStep = (typeof FIRST_SIGN_IN_STEPS)[number];

export const STEP_LABELS: Record<FirstSignInStep, string> = {
  password: 'Change your temporary password',
  aup: 'Accept the Acceptable Use Policy',
  mfa: 'Set up a second way to sign in',
  profile: 'Check your details',
  secret: 'Set your account secret',
  recovery: 'Choose how to recover your account',
};

export async function recoveryMethods(db: Kysely<DB>, accountId: string) {
  const acc = await withMfaColumns(db).selectFrom('accounts').select(['mobile', 'mobile_verified']).where('id', '=', accountId).executeTakeFirstOrThrow();
  const m = await mfaMethods(db, accountId);
  return {
    authenticator: m.totp,
    mobile: Boolean(acc.mobile && acc.mobile === acc.mobile_verified),
    securityQuestions: await hasSecurityAnswers(db, accountId),
  };
}

/**
 * An account marked compromised lost every second factor (they may have been
 * the attacker's), and must register one again before anything else, whatever
 * its organisation requires; the mark stays, so one removed later is asked for again.
 */
export async function mustRegisterMfaAgain(db: Kysely<DB>, accountId: string, methods?: MfaMethods): Promise<boolean> {
  const acc = await withSignInColumns(db).selectFrom('accounts').select('compromised_at').where('id', '=', accountId).executeTakeFirstOrThrow();
  return Boolean(acc.compromised_at) && !hasAnyMfa(methods ?? (await mfaMethods(db, accountId)));
}

/** The steps still to do, in order. Marks the account complete (audited) when the list first becomes empty. */
export async function pendingSteps(db: Kysely<DB>, accountId: string, now = new Date()): Promise<FirstSignInStep[]> {
  const acc = await withMfaColumns(db)
    .selectFrom('accounts')
    .select(['password_temporary', 'onboarding_complete', 'aup_version', 'profile_confirmed_at', 'secret_enc', 'secret_due_by'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const steps: FirstSignInStep[] = [];
  const firstTime = !acc.onboarding_complete;
  if (acc.password_temporary) steps.push('password');
  if (firstTime && acc.aup_version !== acceptableUsePolicy().version) steps.push('aup');
  const methods = await mfaMethods(db, accountId);
  if (!requirementMet(await mfaRequirement(db, accountId), methods) || (await mustRegisterMfaAgain(db, accountId, methods))) steps.push('mfa');
  if (firstTime && !acc.profile_confirmed_at) steps.push('profile');
  if (!acc.secret_enc && (firstTime || (acc.secret_due_by && acc.secret_due_by < now))) steps.push('secret');
  if (firstTime) {
    const r = await recoveryMethods(db, accountId);
    if (!r.authenticator && !r.mobile && !r.securityQuestions) steps.push('recovery');
  }
  if (firstTime && steps.length === 0) {
    await db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('accounts').set({ onboarding_complete: true }).where('id', '=', accountId).where('onboarding_complete', '=', false).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        await auditAccount(trx, accountId, 'account.onboarding_complete', { actor: { kind: 'system', label: 'Caremail' }, frontDoor: 'portal' });
      }
    });
  }
  return steps;
}

export async function onboardingComplete(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('accounts').select('onboarding_complete').where('id', '=', accountId).executeTakeFirstOrThrow();
  return row.onboarding_complete;
}

export async function acceptAup(db: Kysely<DB>, accountId: string, version: string, ctx: ActionContext): Promise<void> {
  const current = acceptableUsePolicy().version;
  if (version !== current) throw new ValidationError([{ field: 'accept', message: 'The policy has changed since the page was shown. Read it again and accept it.' }]);
  await db.transaction().execute(async (trx) => {
    await withMfaColumns(trx).updateTable('accounts').set({ aup_version: current, aup_accepted_at: new Date() }).where('id', '=', accountId).execute();
    await auditAccount(trx, accountId, 'account.aup_accepted', ctx, { detail: { version: current } });
  });
}

const ProfileInput = AccountInput.pick({ jobTitle: true, workPhone: true, mobile: true });

/** The person confirms (or corrects) the details People Finder shows and the mobile codes go to. */
export async function confirmProfile(db: Kysely<DB>, accountId: string, input: unknown, ctx: ActionContext): Promise<void> {
  const parsed = ProfileInput.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const v = parsed.data;
  await db.transaction().execute(async (trx) => {
    await withMfaColumns(trx)
      .updateTable('accounts')
      .set({ job_title: v.jobTitle, work_phone: v.workPhone, mobile: v.mobile, profile_confirmed_at: new Date(), updated_at: new Date() })
      .where('id', '=', accountId)
      .execute();
    await auditAccount(trx, accountId, 'account.profile_confirmed', ctx);
  });
}
