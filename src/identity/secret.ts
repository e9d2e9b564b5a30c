import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { type ActionContext, auditAccount } from './audit-account.ts';
import { NotAllowedError, requireAllowed } from './authorise.ts';
import { checkAccountSecret, checkSecretCharacters, pickSecretPositions, SECRET_HISTORY_COUNT } from './policy/account-secret.ts';
import { mac, open, seal, type SecretKeys } from './secret-key.ts';
import { withMfaColumns } from './mfa/tables.ts';

/**
 * The account secret: a word the person tells the helpdesk, 3 letters at a
 * time, to prove who is calling. Stored encrypted (the letters must be
 * readable to compare them) and never shown; previous secrets are kept only as
 * HMACs, enough to refuse the last 5 and no more.
 */
export const RESECURE_DAYS = 30;
export const CALLER_CHECK_FAILURES = 3;
export const CALLER_CHECK_BLOCK_MINUTES = 15;
const CHALLENGE_MINUTES = 10;

const context = (accountId: string) => `account-secret:${accountId}`;
const historyMac = (keys: SecretKeys, accountId: string, secret: string) => mac(keys, `account-secret:${accountId}:${secret.toLowerCase()}`);

export async function setAccountSecret(db: Kysely<DB>, keys: SecretKeys, accountId: string, secret: string, ctx: ActionContext): Promise<void> {
  const mdb = withMfaColumns(db);
  const who = await mdb
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select(['a.first_name', 'a.last_name', 'o.name', 'o.short_name'])
    .where('a.id', '=', accountId)
    .executeTakeFirstOrThrow();
  const recent = await db
    .selectFrom('account_secret_history')
    .select('secret_mac')
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(SECRET_HISTORY_COUNT)
    .execute();
  const candidate = historyMac(keys, accountId, secret);
  const check = checkAccountSecret(secret, {
    firstName: who.first_name,
    lastName: who.last_name,
    organisationName: who.name,
    organisationShortName: who.short_name,
    isRecentSecret: recent.some((r) => r.secret_mac === candidate),
  });
  if (!check.ok) throw new ValidationError(check.problems.map((p) => ({ field: 'secret', message: p.message })));
  await db.transaction().execute(async (trx) => {
    await withMfaColumns(trx)
      .updateTable('accounts')
      .set({ secret_enc: seal(keys, secret, context(accountId)), secret_set_at: new Date(), secret_due_by: null })
      .where('id', '=', accountId)
      .execute();
    await trx.insertInto('account_secret_history').values({ account_id: accountId, secret_mac: candidate }).execute();
    const keep = await trx.selectFrom('account_secret_history').select('id').where('account_id', '=', accountId).orderBy('id', 'desc').limit(SECRET_HISTORY_COUNT).execute();
    await trx.deleteFrom('account_secret_history').where('account_id', '=', accountId).where('id', 'not in', keep.map((k) => k.id)).execute();
    await auditAccount(trx, accountId, 'account.secret_set', ctx);
  });
}

export async function accountSecretState(db: Kysely<DB>, accountId: string): Promise<{ set: boolean; dueBy: Date | null }> {
  const row = await withMfaColumns(db).selectFrom('accounts').select(['secret_enc', 'secret_due_by']).where('id', '=', accountId).executeTakeFirstOrThrow();
  return { set: Boolean(row.secret_enc), dueBy: row.secret_due_by };
}

/** "Re-secure": an admin clears the secret; the person must set a new one within 30 days. */
export async function resecureAccount(db: Kysely<DB>, targetAccountId: string, ctx: ActionContext, now = new Date()): Promise<Date> {
  const dueBy = new Date(now.getTime() + RESECURE_DAYS * 86_400_000);
  await db.transaction().execute(async (trx) => {
    const target = await trx.selectFrom('accounts').select('organisation_id').where('id', '=', targetAccountId).executeTakeFirst();
    if (!target) throw new NotFoundError('That account does not exist.');
    await requireAllowed(trx, ctx.actor, 'account.resecure', { organisationId: target.organisation_id });
    await withMfaColumns(trx).updateTable('accounts').set({ secret_enc: null, secret_due_by: dueBy }).where('id', '=', targetAccountId).execute();
    await auditAccount(trx, targetAccountId, 'account.resecure', ctx, { detail: { dueBy: dueBy.toISOString() } });
  });
  return dueBy;
}

async function blockedUntil(db: Kysely<DB>, accountId: string, now: Date): Promise<Date | null> {
  const row = await db.selectFrom('caller_check_state').select('blocked_until').where('account_id', '=', accountId).executeTakeFirst();
  return row?.blocked_until && row.blocked_until > now ? row.blocked_until : null;
}

export class CallerCheckBlockedError extends Error {
  constructor(readonly until: Date) {
    super(`Too many wrong answers: checking this caller is blocked for ${CALLER_CHECK_BLOCK_MINUTES} minutes after 3 failures in a row. Try again after ${until.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })}.`);
  }
}

/** Picks 3 positions of the caller's secret for the admin to ask for. */
export async function startCallerCheck(
  db: Kysely<DB>,
  keys: SecretKeys,
  targetAccountId: string,
  ctx: ActionContext,
  now = new Date(),
): Promise<{ challengeId: string; positions: number[] }> {
  if (ctx.actor.kind !== 'account') throw new NotAllowedError('Only a signed-in administrator can check a caller.');
  const target = await withMfaColumns(db).selectFrom('accounts').select(['organisation_id', 'secret_enc']).where('id', '=', targetAccountId).executeTakeFirst();
  if (!target) throw new NotFoundError('That account does not exist.');
  await requireAllowed(db, ctx.actor, 'account.verify_caller', { organisationId: target.organisation_id });
  const until = await blockedUntil(db, targetAccountId, now);
  if (until) throw new CallerCheckBlockedError(until);
  if (!target.secret_enc) throw new ConflictError('This person has not set an account secret, so they cannot be checked this way. Check who they are another way.');
  const positions = pickSecretPositions([...open(keys, target.secret_enc, context(targetAccountId))].length);
  await db.deleteFrom('character_challenges').where('expires_at', '<', now).execute();
  const row = await db
    .insertInto('character_challenges')
    .values({ kind: 'caller_check', account_id: targetAccountId, asked_by: ctx.actor.accountId, detail: JSON.stringify({ positions }), expires_at: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { challengeId: row.id, positions };
}

export type CallerCheckResult = 'pass' | 'fail';

/**
 * Checks the letters the caller gave. Pass or fail only; 3 failures in a row
 * block checks on this account for 15 minutes. Every check is audited.
 */
export async function finishCallerCheck(
  db: Kysely<DB>,
  keys: SecretKeys,
  challengeId: string,
  letters: string[],
  ctx: ActionContext,
  now = new Date(),
): Promise<CallerCheckResult> {
  if (ctx.actor.kind !== 'account') throw new NotAllowedError('Only a signed-in administrator can check a caller.');
  const challenge = await db
    .deleteFrom('character_challenges')
    .where('id', '=', challengeId)
    .where('kind', '=', 'caller_check')
    .where('asked_by', '=', ctx.actor.accountId)
    .returning(['account_id', 'detail', 'expires_at'])
    .executeTakeFirst();
  if (!challenge || !challenge.account_id || challenge.expires_at < now) {
    throw new ConflictError('This check has expired or was already answered. Start a new check.');
  }
  const accountId = challenge.account_id;
  const target = await withMfaColumns(db).selectFrom('accounts').select(['organisation_id', 'secret_enc']).where('id', '=', accountId).executeTakeFirstOrThrow();
  await requireAllowed(db, ctx.actor, 'account.verify_caller', { organisationId: target.organisation_id });
  const until = await blockedUntil(db, accountId, now);
  if (until) throw new CallerCheckBlockedError(until);
  const positions = (challenge.detail as { positions: number[] }).positions;
  const pass = Boolean(target.secret_enc) && checkSecretCharacters(open(keys, target.secret_enc!, context(accountId)), positions, letters);
  return db.transaction().execute(async (trx) => {
    if (pass) {
      await trx.deleteFrom('caller_check_state').where('account_id', '=', accountId).execute();
    } else {
      const state = await trx
        .insertInto('caller_check_state')
        .values({ account_id: accountId, failures: 1 })
        .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ failures: eb('caller_check_state.failures', '+', 1) })))
        .returning('failures')
        .executeTakeFirstOrThrow();
      if (state.failures >= CALLER_CHECK_FAILURES) {
        await trx
          .updateTable('caller_check_state')
          .set({ failures: 0, blocked_until: new Date(now.getTime() + CALLER_CHECK_BLOCK_MINUTES * 60_000) })
          .where('account_id', '=', accountId)
          .execute();
      }
    }
    await auditAccount(trx, accountId, 'account.verify_caller', ctx, { outcome: pass ? 'success' : 'failure', detail: { positions } });
    return pass ? 'pass' : 'fail';
  });
}
