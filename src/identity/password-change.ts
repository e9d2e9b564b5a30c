import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import { checkPassword, PASSWORD_HISTORY_COUNT } from './policy/password-policy.ts';
import { hashPassword, passwordMatches } from './password-hash.ts';
import { recordFailure } from './lockout.ts';
import { withSignInColumns } from './sign-in-tables.ts';

/**
 * Changing a password: the person's own change (knowing the current one), and
 * the self-service reset once they have proved who they are some other way.
 * Both apply the same rules (policy/password-policy.ts), keep the last 4 hashes
 * so an old password cannot come back, and end the person's other sessions.
 */
export type PasswordChangeContext = {
  frontDoor: FrontDoor;
  ip?: string | null;
  client?: string | null;
  /** The session the change was made from stays signed in; every other one ends. */
  keepSessionHash?: string | null;
  now?: Date;
};

async function loadAccount(db: Kysely<DB>, accountId: string) {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'email', 'organisation_id', 'first_name', 'last_name', 'kind', 'password_hash'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw new NotFoundError('That account does not exist.');
  return account;
}

/** Whether `candidate` is the current password or one of the last ones kept. */
async function isRecentPassword(db: Kysely<DB>, accountId: string, currentHash: string | null, candidate: string): Promise<boolean> {
  const history = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(PASSWORD_HISTORY_COUNT)
    .execute();
  const hashes = [...new Set([currentHash, ...history.map((h) => h.password_hash)])].filter((h): h is string => Boolean(h));
  for (const h of hashes) if (await passwordMatches(h, candidate)) return true;
  return false;
}

/** Checks the new password against every rule; each broken rule is one problem on the `newPassword` field. */
export async function newPasswordProblems(db: Kysely<DB>, accountId: string, next: string) {
  const account = await loadAccount(db, accountId);
  const recent = await isRecentPassword(db, accountId, account.password_hash, next);
  const check = checkPassword(next, { firstName: account.first_name, lastName: account.last_name, kind: account.kind, isRecentPassword: recent });
  return check.problems.map((p) => ({ field: 'newPassword', message: p.message, rule: p.rule }));
}

async function store(db: Kysely<DB>, accountId: string, next: string, how: 'change' | 'reset_after_proof', ctx: PasswordChangeContext): Promise<void> {
  const account = await loadAccount(db, accountId);
  const hash = await hashPassword(next);
  const now = ctx.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const reset = how === 'reset_after_proof' ? { failed_attempts: 0, failed_since: null, locked_until: null } : {};
    await withSignInColumns(trx)
      .updateTable('accounts')
      .set({ password_hash: hash, password_temporary: false, password_changed_at: now, updated_at: now, ...reset })
      .where('id', '=', accountId)
      .execute();
    await trx.insertInto('password_history').values({ account_id: accountId, password_hash: hash, created_at: now }).execute();
    const keep = trx.selectFrom('password_history').select('id').where('account_id', '=', accountId).orderBy('id', 'desc').limit(PASSWORD_HISTORY_COUNT);
    await trx.deleteFrom('password_history').where('account_id', '=', accountId).where('id', 'not in', keep).execute();
    let ended = trx.deleteFrom('sessions').where('account_id', '=', accountId);
    if (ctx.keepSessionHash) ended = ended.where('id_hash', '!=', ctx.keepSessionHash);
    const res = await ended.executeTakeFirst();
    await appendAudit(trx, {
      actor: { id: accountId, label: account.email },
      action: how === 'change' ? 'password.change' : 'password.reset',
      target: { type: 'account', id: accountId },
      organisationId: account.organisation_id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { otherSessionsEnded: Number(res.numDeletedRows) },
    });
  });
}

/**
 * The person's own change. A wrong current password counts towards the lock,
 * as at the sign-in page: a session left open is not a way round it.
 */
export async function changePassword(db: Kysely<DB>, accountId: string, current: string, next: string, ctx: PasswordChangeContext): Promise<void> {
  const account = await loadAccount(db, accountId);
  if (!current) throw new ValidationError([{ field: 'currentPassword', message: 'Enter your current password' }]);
  if (!(await passwordMatches(account.password_hash, current))) {
    await db.transaction().execute(async (trx) => {
      await recordFailure(trx, accountId, { frontDoor: ctx.frontDoor, client: ctx.client, ip: ctx.ip });
      await appendAudit(trx, {
        actor: { id: accountId, label: account.email },
        action: 'password.change',
        outcome: 'failure',
        target: { type: 'account', id: accountId },
        organisationId: account.organisation_id,
        frontDoor: ctx.frontDoor,
        ip: ctx.ip,
        detail: { reason: 'wrong_current_password' },
      });
    });
    throw new ValidationError([{ field: 'currentPassword', message: 'Your current password is not right. Check it and try again.' }]);
  }
  const problems = await newPasswordProblems(db, accountId, next);
  if (problems.length) throw new ValidationError(problems);
  await store(db, accountId, next, 'change', ctx);
}

/** For the self-service reset: the caller has already checked the person's proof (code, answers). Also ends any lock. */
export async function setPasswordAfterProof(db: Kysely<DB>, accountId: string, next: string, ctx: PasswordChangeContext): Promise<void> {
  const problems = await newPasswordProblems(db, accountId, next);
  if (problems.length) throw new ValidationError(problems);
  await store(db, accountId, next, 'reset_after_proof', ctx);
}
