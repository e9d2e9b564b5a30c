import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { NotFoundError } from '../shared/errors.ts';
import { actorForAudit } from './actor.ts';
import { type Actor, requireAllowed } from './authorise.ts';
import { withSignInColumns } from './sign-in-tables.ts';

/**
 * Lockout: failed password attempts are counted on the account's own row, so
 * every process serving the database adds to the same count (one UPDATE of
 * `failed_attempts + 1`; the row lock makes concurrent failures queue, never
 * overwrite). Locked means `locked_until` is in the future, which also makes
 * the lock end by itself without a job. The account's status is untouched: a
 * Leaver who is locked out is still a Leaver.
 */
export type LockoutPolicy = { threshold: number; minutes: number };

export const DEFAULT_LOCKOUT: LockoutPolicy = { threshold: 10, minutes: 30 };

let processPolicy: LockoutPolicy = DEFAULT_LOCKOUT;

/** Set once at start from the settings, so every front door uses the operator's figures without passing them along. */
export function setLockoutPolicy(policy: LockoutPolicy): void {
  processPolicy = policy;
}

export function lockoutPolicy(): LockoutPolicy {
  return processPolicy;
}

export function isLocked(lockedUntil: Date | null, now: Date): boolean {
  return lockedUntil !== null && lockedUntil.getTime() > now.getTime();
}

export type FailureSource = { frontDoor: FrontDoor; client?: string | null; ip?: string | null };

/**
 * Records one failed attempt: always kept for diagnostics, and counted unless
 * the account is already locked (a phone retrying all night does not keep
 * extending its own lock). A lock that has run out starts a new count.
 * Call inside a transaction with the audit entry.
 */
export async function recordFailure(
  db: Kysely<DB>,
  accountId: string,
  source: FailureSource,
  policy: LockoutPolicy = processPolicy,
  now = new Date(),
): Promise<{ failedAttempts: number; lockedUntil: Date | null; lockedNow: boolean }> {
  const lockEnds = new Date(now.getTime() + policy.minutes * 60_000);
  const lapsed = sql<boolean>`(locked_until is not null and locked_until <= ${now})`;
  const row = await withSignInColumns(db)
    .updateTable('accounts')
    .set({
      failed_attempts: sql`case when ${lapsed} then 1 else failed_attempts + 1 end`,
      failed_since: sql`case when failed_attempts = 0 or ${lapsed} then ${now}::timestamptz else failed_since end`,
      locked_until: sql`case when (case when ${lapsed} then 1 else failed_attempts + 1 end) >= ${policy.threshold}::int
        then ${lockEnds}::timestamptz else null end`,
    })
    .where('id', '=', accountId)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirst();
  await db
    .insertInto('sign_in_failures')
    .values({ account_id: accountId, at: now, front_door: source.frontDoor, client: source.client?.slice(0, 300) ?? null, ip: source.ip ?? null })
    .execute();
  if (!row) {
    const cur = await withSignInColumns(db).selectFrom('accounts').select(['failed_attempts', 'locked_until']).where('id', '=', accountId).executeTakeFirstOrThrow();
    return { failedAttempts: cur.failed_attempts, lockedUntil: cur.locked_until, lockedNow: false };
  }
  return { failedAttempts: row.failed_attempts, lockedUntil: row.locked_until, lockedNow: isLocked(row.locked_until, now) };
}

/** A good sign-in ends the run of failures. */
export async function clearFailures(db: Kysely<DB>, accountId: string): Promise<void> {
  await withSignInColumns(db)
    .updateTable('accounts')
    .set({ failed_attempts: 0, failed_since: null, locked_until: null })
    .where('id', '=', accountId)
    .where((eb) => eb.or([eb('failed_attempts', '>', 0), eb('locked_until', 'is not', null)]))
    .execute();
}

export type UnlockHow =
  /** The person proved who they are on the self-service pages; `method` names the proof (totp, sms, security_questions). */
  | { kind: 'self_service'; method: string; ip?: string | null }
  | { kind: 'admin'; actor: Actor; frontDoor: FrontDoor; ip?: string | null };

/**
 * Ends a lock (and the run of failures). An administrator must be allowed
 * 'account.unlock' for the account's organisation; either way it is audited
 * in the same transaction.
 */
export async function unlockAccount(db: Kysely<DB>, accountId: string, how: UnlockHow, now = new Date()): Promise<{ wasLocked: boolean }> {
  return db.transaction().execute(async (trx) => {
    const account = await withSignInColumns(trx)
      .selectFrom('accounts')
      .select(['id', 'email', 'organisation_id', 'locked_until', 'failed_attempts'])
      .where('id', '=', accountId)
      .forUpdate()
      .executeTakeFirst();
    if (!account) throw new NotFoundError('That account does not exist.');
    if (how.kind === 'admin') await requireAllowed(trx, how.actor, 'account.unlock', { organisationId: account.organisation_id });
    const wasLocked = isLocked(account.locked_until, now);
    await withSignInColumns(trx)
      .updateTable('accounts')
      .set({ failed_attempts: 0, failed_since: null, locked_until: null })
      .where('id', '=', accountId)
      .execute();
    await appendAudit(trx, {
      actor: how.kind === 'admin' ? actorForAudit(how.actor) : { id: account.id, label: account.email },
      action: 'account.unlock',
      target: { type: 'account', id: account.id },
      organisationId: account.organisation_id,
      frontDoor: how.kind === 'admin' ? how.frontDoor : 'portal',
      ip: how.ip,
      detail: { email: account.email, by: how.kind, wasLocked, failedAttempts: account.failed_attempts, ...(how.kind === 'self_service' ? { method: how.method } : {}) },
    });
    return { wasLocked };
  });
}

/** Failures of the current run, grouped by where they came from, the busiest source first. */
export type FailureGroup = { frontDoor: string; client: string | null; ip: string | null; failures: number; first: Date; last: Date };

export async function failureGroups(db: Kysely<DB>, accountId: string): Promise<FailureGroup[]> {
  const acc = await withSignInColumns(db).selectFrom('accounts').select(['failed_since', 'locked_until']).where('id', '=', accountId).executeTakeFirst();
  if (!acc?.failed_since) return [];
  const rows = await db
    .selectFrom('sign_in_failures')
    .select((eb) => ['front_door', 'client', 'ip', eb.fn.countAll<string>().as('failures'), eb.fn.min('at').as('first'), eb.fn.max('at').as('last')])
    .where('account_id', '=', accountId)
    .where('at', '>=', acc.failed_since)
    .groupBy(['front_door', 'client', 'ip'])
    .execute();
  return rows
    .map((r) => ({ frontDoor: r.front_door, client: r.client, ip: r.ip, failures: Number(r.failures), first: new Date(r.first), last: new Date(r.last) }))
    .sort((a, b) => b.failures - a.failures || a.first.getTime() - b.first.getTime());
}

export type LockedAccount = { id: string; email: string; displayName: string; organisationName: string; organisationCode: string; lockedUntil: Date; failedAttempts: number };

/** Accounts locked now, within the given subtrees (or everywhere). */
export async function listLockedAccounts(db: Kysely<DB>, scope: 'everywhere' | string[], now = new Date()): Promise<LockedAccount[]> {
  if (scope !== 'everywhere' && scope.length === 0) return [];
  let q = withSignInColumns(db)
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select(['a.id', 'a.email', 'a.display_name', 'a.locked_until', 'a.failed_attempts', 'o.name', 'o.code'])
    .where('a.locked_until', '>', now);
  if (scope !== 'everywhere') {
    q = q.where('a.organisation_id', 'in', (eb) => eb.selectFrom('organisation_closure').select('descendant_id').where('ancestor_id', 'in', scope));
  }
  const rows = await q.orderBy('a.locked_until').limit(500).execute();
  return rows.map((r) => ({
    id: r.id, email: r.email, displayName: r.display_name, organisationName: r.name, organisationCode: r.code,
    lockedUntil: r.locked_until!, failedAttempts: r.failed_attempts,
  }));
}

/** Names a front door the way an LA reads it. */
export const FRONT_DOOR_LABELS: Record<string, string> = { portal: 'Portal', imap: 'IMAP', smtp: 'SMTP', api: 'API', cli: 'Command line', system: 'System' };

/** "IMAP, Thunderbird, 10.1.2.3: 9 failures since 09:12" */
export function describeFailureGroup(g: FailureGroup, timeZone = 'Europe/London'): string {
  const since = g.first.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });
  const parts = [FRONT_DOOR_LABELS[g.frontDoor] ?? g.frontDoor, g.client || 'unknown client', g.ip || 'unknown address'];
  return `${parts.join(', ')}: ${g.failures} failure${g.failures === 1 ? '' : 's'} since ${since}`;
}
