import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { passwordExpiry } from './policy/password-policy.ts';
import { passwordMatches } from './password-hash.ts';
import { matchAppPassword, noteAppPasswordUse } from './app-passwords.ts';
import { clearFailures, isLocked, type LockoutPolicy, lockoutPolicy, recordFailure } from './lockout.ts';
import { accountHasAnyMfa } from './mfa/status.ts';
import { withSignInColumns } from './sign-in-tables.ts';

/**
 * The one password check every front door uses (Portal now; SMTP AUTH and IMAP
 * LOGIN call the same function). Whatever the reason for refusing, the caller
 * gets the same answer, so the door cannot be used to learn which accounts
 * exist or are locked; the reason is kept for the audit trail and for LAs.
 *
 * Every refused attempt on a known account is recorded with where it came from
 * and counted towards the lock (lockout.ts).
 */
export type PasswordContext = {
  frontDoor: FrontDoor;
  ip?: string | null;
  /** User agent, IMAP ID or similar: which device or program tried. */
  client?: string | null;
  /** Demo passwords are refused unless the service runs in demo mode. */
  demoMode: boolean;
  /** Normally the process's settings (setLockoutPolicy); tests may pass their own. */
  lockout?: LockoutPolicy;
  now?: Date;
};

export type VerifyResult =
  | {
      ok: true;
      accountId: string;
      /** Temporary, expired, or forced after a compromise: the person must choose a new password before anything else. */
      mustChangePassword: boolean;
      /** Set when a mail client signed in with an app password rather than the account password. */
      appPasswordId?: string;
    }
  | {
      ok: false;
      reason:
        | 'unknown_account'
        | 'wrong_password'
        | 'not_active'
        | 'demo_disabled'
        | 'no_password'
        | 'locked'
        /** The account has MFA on (any method), so IMAP and SMTP take only its app passwords. */
        | 'app_password_required';
    };

type Refusal = Extract<VerifyResult, { ok: false }>['reason'];

const CAN_SIGN_IN = new Set(['active', 'leaver', 'inactive']);
const MAIL_DOORS: ReadonlySet<FrontDoor> = new Set<FrontDoor>(['imap', 'smtp']);
// Refusals that say nothing about whether the password was right count towards the lock.
const COUNTED: ReadonlySet<Refusal> = new Set<Refusal>(['wrong_password', 'no_password', 'app_password_required']);

export async function verifyPassword(db: Kysely<DB>, email: string, password: string, ctx: PasswordContext): Promise<VerifyResult> {
  const now = ctx.now ?? new Date();
  const address = email.trim().toLowerCase();
  const account = await withSignInColumns(db)
    .selectFrom('accounts')
    .select(['id', 'organisation_id', 'email', 'password_hash', 'status', 'demo', 'password_temporary', 'password_changed_at', 'locked_until'])
    .where('email', '=', address)
    .executeTakeFirst();
  const mailDoor = MAIL_DOORS.has(ctx.frontDoor);
  const app = account && mailDoor ? await matchAppPassword(db, account.id, password) : null;
  const appOnly = Boolean(account && mailDoor && !app && (await accountHasAnyMfa(db, account.id)));
  // Always one Argon2 check when no app password matched, so timing does not tell accounts apart.
  const matches = app ? false : await passwordMatches(account?.password_hash ?? null, password);

  let result: VerifyResult;
  if (!account) result = { ok: false, reason: 'unknown_account' };
  else if (isLocked(account.locked_until, now)) result = { ok: false, reason: 'locked' };
  else if (!app && !account.password_hash) result = { ok: false, reason: 'no_password' };
  else if (!app && !matches) result = { ok: false, reason: 'wrong_password' };
  else if (appOnly) result = { ok: false, reason: 'app_password_required' };
  else if (account.demo && !ctx.demoMode) result = { ok: false, reason: 'demo_disabled' };
  else if (!CAN_SIGN_IN.has(account.status)) result = { ok: false, reason: 'not_active' };
  else if (app) result = { ok: true, accountId: account.id, mustChangePassword: false, appPasswordId: app.id };
  else {
    const expired = account.password_changed_at ? passwordExpiry(account.password_changed_at, now).expired : false;
    result = { ok: true, accountId: account.id, mustChangePassword: account.password_temporary || expired };
  }

  await db.transaction().execute(async (trx) => {
    let lock: Awaited<ReturnType<typeof recordFailure>> | null = null;
    if (account && !result.ok && (COUNTED.has(result.reason) || (result.reason === 'locked' && !matches && !app))) {
      lock = await recordFailure(trx, account.id, { frontDoor: ctx.frontDoor, client: ctx.client, ip: ctx.ip }, ctx.lockout ?? lockoutPolicy(), now);
    }
    if (result.ok) {
      await trx.updateTable('accounts').set({ last_sign_in_at: now }).where('id', '=', account!.id).execute();
      await clearFailures(trx, account!.id);
      if (result.appPasswordId) await noteAppPasswordUse(trx, result.appPasswordId, ctx.frontDoor, ctx.ip, now);
    }
    await appendAudit(trx, {
      actor: { id: account?.id ?? null, label: address.slice(0, 254) },
      action: 'sign_in',
      outcome: result.ok ? 'success' : 'failure',
      target: account ? { type: 'account', id: account.id } : null,
      organisationId: account?.organisation_id ?? null,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: {
        client: ctx.client ?? null,
        ...(result.ok ? {} : { reason: result.reason }),
        ...(app ? { appPassword: app.name } : {}),
        ...(lock ? { failedAttempts: lock.failedAttempts, ...(lock.lockedNow ? { lockedUntil: lock.lockedUntil!.toISOString() } : {}) } : {}),
      },
    });
    if (lock?.lockedNow) {
      await appendAudit(trx, {
        actor: { id: null, label: 'Caremail' },
        action: 'account.lock',
        target: { type: 'account', id: account!.id },
        organisationId: account!.organisation_id,
        frontDoor: ctx.frontDoor,
        ip: ctx.ip,
        detail: { email: account!.email, failedAttempts: lock.failedAttempts, lockedUntil: lock.lockedUntil!.toISOString() },
      });
    }
  });
  return result;
}
