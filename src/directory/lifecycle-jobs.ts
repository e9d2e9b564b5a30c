import { type Kysely, sql } from 'kysely';
import type { AccountStatus, DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit, SYSTEM_ACTOR } from '../identity/actor.ts';
import type { Notifier } from '../notify/notifier.ts';
import { STATUS_LABELS } from './accounts.ts';
import type { LifecyclePolicy } from './lifecycle.ts';
import './tables.ts';
import { pruneUnusedNames } from './name-list.ts';

/**
 * The scheduled lifecycle steps (SPEC 3): no sign-in for a while makes an
 * account Inactive, then Deleted; leavers not joined and disablements past
 * their date are Deleted; Deleted accounts past the restore period become
 * Deleted Permanent and their personal data is erased. A warning email goes
 * out before each step.
 *
 * Every process runs these. Each step claims its accounts with
 * SELECT … FOR UPDATE SKIP LOCKED inside the transaction that changes them
 * and audits them, and a row lock is re-checked against the condition after
 * another process commits, so each change happens once. Each warning is sent
 * only by the process whose insert into lifecycle_notices succeeded.
 */
type Step = {
  name: string;
  from: AccountStatus;
  to: AccountStatus;
  /** When the clock for this step started, as SQL over accounts `a`. */
  since: ReturnType<typeof sql>;
  afterDays: (p: LifecyclePolicy) => number;
  warn?: { subject: string; text: (when: string) => string };
};

const STEPS: Step[] = [
  {
    name: 'inactive', from: 'active', to: 'inactive', since: sql`coalesce(a.last_sign_in_at, a.created_at)`, afterDays: (p) => p.inactiveAfterDays,
    warn: { subject: 'Sign in to keep your Caremail account active', text: (w) => `You have not signed in to Caremail for a while. If you do not sign in by ${w}, your account will become inactive and later be deleted. Signing in to the Portal, webmail or your mail app keeps it active.` },
  },
  {
    name: 'delete_inactive', from: 'inactive', to: 'deleted', since: sql`a.status_changed_at`, afterDays: (p) => p.deleteInactiveAfterDays,
    warn: { subject: 'Your Caremail account will be deleted', text: (w) => `Your Caremail account is inactive. If you do not sign in by ${w}, it will be deleted. Sign in to the Portal to keep it.` },
  },
  {
    name: 'delete_leaver', from: 'leaver', to: 'deleted', since: sql`a.status_changed_at`, afterDays: (p) => p.leaverDays,
    warn: { subject: 'Your Caremail account will be deleted soon', text: (w) => `You are marked as a leaver. If your new organisation's Local Administrator has not accepted you as a joiner by ${w}, your account will be deleted.` },
  },
  {
    name: 'delete_disabled', from: 'disabled', to: 'deleted', since: sql`coalesce(a.disabled_until, a.status_changed_at)`, afterDays: () => 0,
    warn: { subject: 'Your disabled Caremail account will be deleted', text: (w) => `Your account has been disabled and will be deleted on ${w} unless your Local Administrator enables it again.` },
  },
  { name: 'erase', from: 'deleted', to: 'deleted_permanent', since: sql`a.status_changed_at`, afterDays: (p) => p.restoreDays },
];

const DAY = 86_400_000;
const BATCH = 200;
const ukDate = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

export type LifecycleRun = Record<string, { changed: number; warned: number }>;

export async function runLifecycleJobs(db: Kysely<DB>, notifier: Notifier, policy: LifecyclePolicy, now: Date = new Date()): Promise<LifecycleRun> {
  const out: LifecycleRun = {};
  out.reactivated = { changed: await reactivateSignedIn(db, now), warned: 0 };
  for (const step of STEPS) {
    const warned = step.warn ? await sendWarnings(db, notifier, policy, step, now) : 0;
    let changed = 0;
    for (;;) {
      const n = await applyStep(db, policy, step, now);
      changed += n;
      if (n < BATCH) break;
    }
    out[step.name] = { changed, warned };
  }
  // Erased names leave People Finder's list of names too.
  if (out.erase?.changed) await pruneUnusedNames(db);
  return out;
}

/** An inactive account whose owner has signed in since is active again. */
async function reactivateSignedIn(db: Kysely<DB>, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; email: string; organisation_id: string }>`
      update accounts set status = 'active', status_changed_at = ${now}
      where id in (select a.id from accounts a where a.status = 'inactive' and a.last_sign_in_at > a.status_changed_at for update skip locked)
      returning id, email, organisation_id`.execute(trx);
    for (const r of rows) await auditChange(trx, r, 'inactive', 'active', 'signed in again');
    return rows.length;
  });
}

async function sendWarnings(db: Kysely<DB>, notifier: Notifier, policy: LifecyclePolicy, step: Step, now: Date): Promise<number> {
  const dueAt = new Date(now.getTime() - (step.afterDays(policy) - policy.warningDays) * DAY);
  const { rows } = await sql<{ id: string; email: string; since: Date }>`
    select a.id, a.email, date_trunc('milliseconds', ${step.since}) as since from accounts a
    where a.status = ${step.from} and a.kind = 'person' and ${step.since} < ${dueAt}
      and not exists (select 1 from lifecycle_notices n where n.account_id = a.id and n.step = ${`warn_${step.name}`}
        and n.status_since = date_trunc('milliseconds', ${step.since}))
    limit 1000`.execute(db);
  let sent = 0;
  for (const r of rows) {
    const claimed = await db
      .insertInto('lifecycle_notices')
      .values({ account_id: r.id, step: `warn_${step.name}`, status_since: r.since })
      .onConflict((oc) => oc.columns(['account_id', 'step', 'status_since']).doNothing())
      .returning('account_id')
      .executeTakeFirst();
    if (!claimed) continue; // another process sent it
    const when = new Date(new Date(r.since).getTime() + step.afterDays(policy) * DAY);
    await notifier.email({ to: r.email, accountId: r.id, purpose: `lifecycle_warning_${step.name}`, subject: step.warn!.subject, text: step.warn!.text(ukDate(when)) });
    sent++;
  }
  return sent;
}

async function applyStep(db: Kysely<DB>, policy: LifecyclePolicy, step: Step, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - step.afterDays(policy) * DAY);
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; email: string; organisation_id: string }>`
      select a.id, a.email, a.organisation_id from accounts a
      where a.status = ${step.from} and a.kind = 'person' and ${step.since} < ${cutoff}
      order by a.id limit ${BATCH}
      for update skip locked`.execute(trx);
    if (!rows.length) return 0;
    const ids = rows.map((r) => r.id);
    if (step.to === 'deleted_permanent') await erase(trx, ids, policy, now);
    else {
      await sql`update accounts set status = ${step.to}, status_changed_at = ${now}, updated_at = ${now} where id = any(${ids}::uuid[])`.execute(trx);
      if (step.to === 'deleted') await trx.deleteFrom('sessions').where('account_id', 'in', ids).execute();
    }
    for (const r of rows) await auditChange(trx, r, step.from, step.to, step.name);
    return rows.length;
  });
}

/**
 * Deleted Permanent: the personal data goes (SPEC 10: erased, not flagged).
 * The row stays, nameless, so the audit trail's references still resolve;
 * the address is retired and kept from reuse for the reuse period.
 */
async function erase(trx: Kysely<DB>, ids: string[], policy: LifecyclePolicy, now: Date) {
  const reservedUntil = new Date(now.getTime() + policy.addressReuseDays * DAY);
  await sql`update mail_addresses set kind = 'retired', account_id = null, reserved_until = ${reservedUntil} where account_id = any(${ids}::uuid[])`.execute(trx);
  await trx.deleteFrom('account_roles').where('account_id', 'in', ids).execute();
  await trx.deleteFrom('sessions').where('account_id', 'in', ids).execute();
  await sql`
    update accounts set status = 'deleted_permanent', status_changed_at = ${now}, updated_at = ${now},
      email = 'erased-' || id || '@invalid', first_name = 'Erased', last_name = 'Account', display_name = 'Erased account',
      job_title = null, job_role = null, specialty = null, department = null, location = null, work_phone = null, mobile = null,
      mobile_hidden = false, pager = null, fax = null, web_page = null, description = null, external_sync_id = null,
      password_hash = null, synced_fields = '{}', unit_id = null, disabled_until = null, previous_organisation_id = null
    where id = any(${ids}::uuid[])`.execute(trx);
  await sql`delete from outbox_messages where account_id = any(${ids}::uuid[])`.execute(trx);
}

async function auditChange(trx: Kysely<DB>, r: { id: string; email: string; organisation_id: string }, from: AccountStatus, to: AccountStatus, reason: string) {
  await appendAudit(trx, {
    actor: actorForAudit(SYSTEM_ACTOR), action: 'account.status', target: { type: 'account', id: r.id }, organisationId: r.organisation_id,
    frontDoor: 'system', detail: { from: STATUS_LABELS[from], to: STATUS_LABELS[to], reason, email: to === 'deleted_permanent' ? undefined : r.email },
  });
}

/** Runs the jobs now and then every `intervalSeconds`, in this process, until stopped. */
export function startLifecycleScheduler(
  db: Kysely<DB>, notifier: Notifier, policy: LifecyclePolicy, intervalSeconds: number,
  onError: (err: unknown) => void,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    running = runLifecycleJobs(db, notifier, policy).catch(onError).finally(() => {
      running = null;
      if (!stopped) timer = setTimeout(tick, intervalSeconds * 1000);
    });
  };
  // A short random delay, so processes started together do not all start at once.
  timer = setTimeout(tick, 500 + Math.floor(Math.random() * 1000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
