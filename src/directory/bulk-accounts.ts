import { type Kysely, sql } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { decide, loadTargetOrganisation, requireAllowed } from '../identity/authorise.ts';
import { hashTemporaryPassword, temporaryPassword } from '../identity/password-hash.ts';
import type { RowProblem } from '../shared/errors.ts';
import type { AccountValues } from './account-schema.ts';
import { readAccountsCsv } from './account-import.ts';
import { displayNameFor } from './accounts.ts';
import { localPartFor } from './addresses.ts';
import type { Context, OrganisationRow } from './organisations.ts';
import { directoryDb } from './tables.ts';

/**
 * Bulk create and update of accounts from CSV (SPEC 3), as a job with
 * progress. Every row is checked first and every bad row reported by line;
 * only a clean file is written, in one transaction. ExternalSyncID is the
 * organisation's own key: a row whose ExternalSyncID matches an account in
 * the organisation (or below it) updates that account, and the fields it
 * sets are then marked as fed by the organisation's system; other rows create
 * accounts, each with a one-time temporary password in the result file.
 *
 * Argon2id for every temporary password (the lighter parameters random
 * passwords allow, see password-hash.ts) runs before the transaction, on
 * libuv's thread pool, several at once, so the transaction itself is short:
 * batched multi-row inserts with ids made here.
 */
export type BulkContext = Context & { domain: string };

/** Profile columns a row may set on an existing account; an empty cell leaves the field as it is. */
const UPDATABLE: Partial<Record<keyof AccountValues, string>> = {
  firstName: 'first_name', lastName: 'last_name', displayName: 'display_name', jobTitle: 'job_title', jobRole: 'job_role', specialty: 'specialty',
  department: 'department', location: 'location', workPhone: 'work_phone', mobile: 'mobile', pager: 'pager',
};
const SYNCED_NAME: Partial<Record<keyof AccountValues, string>> = {
  jobTitle: 'jobTitle', jobRole: 'jobRole', specialty: 'specialty', department: 'department', location: 'location', workPhone: 'workPhone', mobile: 'mobile', pager: 'pager',
};
const BATCH = 500;
/** The result file holds temporary passwords: it is kept this long after the job ends, then erased. */
export const RESULT_KEEP_HOURS = 24;

type Plan = {
  line: number;
  v: AccountValues;
  given: Array<keyof AccountValues>;
  org: OrganisationRow;
  unitId: string | null;
  existing: { id: string; email: string; organisation_id: string } | null;
};

/** In this process, the progress of the jobs it is running (the database has the rest). */
const progress = new Map<string, { phase: string; done: number; total: number }>();
export function liveProgress(jobId: string) {
  return progress.get(jobId) ?? null;
}

export async function startBulkJob(db: Kysely<DB>, organisationId: string, ctx: BulkContext): Promise<string> {
  await requireAllowed(db, ctx.actor, 'account.import', { organisationId });
  const { id } = await db
    .insertInto('bulk_jobs')
    .values({ organisation_id: organisationId, kind: 'accounts', state: 'checking', problems: JSON.stringify([]), started_by: ctx.actor.kind === 'account' ? ctx.actor.accountId : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** Runs a job to its end, recording the outcome on its row; never throws for a bad file. */
export async function runBulkJob(db: Kysely<DB>, jobId: string, organisationId: string, text: string, ctx: BulkContext): Promise<void> {
  try {
    const { plans, problems } = await checkFile(db, jobId, organisationId, text, ctx);
    if (problems.length) {
      await db.updateTable('bulk_jobs').set({ state: 'rejected', problems: JSON.stringify(problems.sort((a, b) => a.line - b.line)), finished_at: new Date() }).where('id', '=', jobId).execute();
      return;
    }
    const result = await write(db, jobId, plans, ctx);
    await db.updateTable('bulk_jobs').set({
      state: 'done', done_rows: plans.length, created_count: result.created, updated_count: result.updated, result_csv: result.csv, finished_at: new Date(),
    }).where('id', '=', jobId).execute();
  } catch (err) {
    await db.updateTable('bulk_jobs').set({ state: 'failed', problems: JSON.stringify([{ line: 0, message: 'The job stopped on an unexpected error; nothing was changed. Try again, and tell your helpdesk if it happens again.' }]), finished_at: new Date() })
      .where('id', '=', jobId).execute().catch(() => {});
    throw err;
  } finally {
    progress.delete(jobId);
  }
}

async function checkFile(db: Kysely<DB>, jobId: string, rootId: string, text: string, ctx: BulkContext): Promise<{ plans: Plan[]; problems: RowProblem[] }> {
  const { rows, problems, fileRejected } = readAccountsCsv(text);
  if (fileRejected) return { plans: [], problems };
  const total = rows.length + new Set(problems.map((p) => p.line)).size;
  await db.updateTable('bulk_jobs').set({ total_rows: total }).where('id', '=', jobId).execute();
  progress.set(jobId, { phase: 'checking', done: 0, total });

  // Everything the rows refer to, in a few queries rather than a few per row.
  const codes = [...new Set(rows.map((r) => r.v.organisationCode))];
  const orgs = new Map<string, OrganisationRow>();
  if (codes.length) {
    for (const o of await db.selectFrom('organisations').select(['id', 'code', 'name', 'short_name', 'type', 'site_type', 'parent_id', 'status', 'nas', 'helpdesk_phone', 'helpdesk_email']).where('code', 'in', codes).execute()) orgs.set(o.code, o);
  }
  const inSubtree = new Set((await db.selectFrom('organisation_closure').select('descendant_id').where('ancestor_id', '=', rootId).execute()).map((r) => r.descendant_id));
  const allowed = new Map<string, boolean>();
  for (const o of orgs.values()) {
    const target = await loadTargetOrganisation(db, o.id);
    allowed.set(o.id, Boolean(target) && inSubtree.has(o.id) && decide(ctx.actor, 'account.import', target!).allowed);
  }
  const units = new Map<string, string>();
  const orgIds = [...orgs.values()].map((o) => o.id);
  if (orgIds.length) for (const u of await db.selectFrom('organisation_units').select(['id', 'name', 'organisation_id']).where('organisation_id', 'in', orgIds).execute()) units.set(`${u.organisation_id}/${u.name}`, u.id);
  const syncIds = [...new Set(rows.map((r) => r.v.externalSyncId).filter((x): x is string => Boolean(x)))];
  const known = new Map<string, { id: string; email: string; organisation_id: string }>();
  for (let i = 0; i < syncIds.length; i += 5000) {
    const { rows: found } = await sql<{ id: string; email: string; organisation_id: string; external_sync_id: string }>`
      select a.id, a.email, a.organisation_id, a.external_sync_id from accounts a
      join organisation_closure c on c.descendant_id = a.organisation_id and c.ancestor_id = ${rootId}::uuid
      where a.external_sync_id = any(${syncIds.slice(i, i + 5000)}::text[]) and a.status not in ('deleted_permanent')`.execute(db);
    for (const f of found) known.set(f.external_sync_id, f);
  }

  const plans: Plan[] = [];
  const seenSync = new Map<string, number>();
  for (const { line, v, given } of rows) {
    const org = orgs.get(v.organisationCode);
    if (!org) {
      problems.push({ line, field: 'organisation_code', message: `There is no organisation with code ${v.organisationCode}.` });
      continue;
    }
    if (!allowed.get(org.id)) problems.push({ line, field: 'organisation_code', message: `You cannot manage accounts in ${org.name} from here: use an organisation you administer, or one below it.` });
    const unitId = v.unit ? units.get(`${org.id}/${v.unit}`) ?? null : null;
    if (v.unit && !unitId) problems.push({ line, field: 'unit', message: `${org.name} has no unit called ${v.unit}.` });
    let existing = null;
    if (v.externalSyncId) {
      if (seenSync.has(v.externalSyncId)) problems.push({ line, field: 'external_sync_id', message: `ExternalSyncID ${v.externalSyncId} is also on line ${seenSync.get(v.externalSyncId)}.` });
      seenSync.set(v.externalSyncId, line);
      existing = known.get(v.externalSyncId) ?? null;
    }
    if (!existing && org.status === 'closed') problems.push({ line, field: 'organisation_code', message: `${org.name} is closed and cannot have new accounts.` });
    plans.push({ line, v, given, org, unitId, existing });
  }
  progress.set(jobId, { phase: 'checking', done: total, total });
  return { plans, problems };
}

async function write(db: Kysely<DB>, jobId: string, plans: Plan[], ctx: BulkContext) {
  const creates = plans.filter((p) => !p.existing);
  const updates = plans.filter((p) => p.existing);
  await db.updateTable('bulk_jobs').set({ state: 'writing' }).where('id', '=', jobId).execute();
  const live = { phase: 'writing', done: 0, total: plans.length };
  progress.set(jobId, live);

  // Argon2id for each new account, before the transaction; the counts show as progress.
  const passwords = creates.map(() => temporaryPassword());
  const hashes: string[] = new Array(creates.length);
  for (let i = 0; i < creates.length; i += BATCH) {
    const part = await Promise.all(passwords.slice(i, i + BATCH).map((p) => hashTemporaryPassword(p)));
    part.forEach((h, j) => (hashes[i + j] = h));
    live.done = Math.min(creates.length, i + BATCH);
    await db.updateTable('bulk_jobs').set({ done_rows: live.done }).where('id', '=', jobId).execute();
  }

  const result: Array<{ line: number; action: string; email: string; password: string }> = [];
  await db.transaction().execute(async (trx) => {
    const emails = await assignAddresses(trx, creates, ctx.domain);
    for (let i = 0; i < creates.length; i += BATCH) {
      const part = creates.slice(i, i + BATCH);
      const ids = part.map(() => crypto.randomUUID());
      await directoryDb(trx).insertInto('accounts').values(part.map((p, j) => ({
        id: ids[j], organisation_id: p.org.id, unit_id: p.unitId, email: emails[i + j], kind: p.v.kind, first_name: p.v.firstName, last_name: p.v.lastName,
        display_name: displayNameFor(p.v, p.org), job_title: p.v.jobTitle, job_role: p.v.jobRole, specialty: p.v.specialty, department: p.v.department,
        location: p.v.location, work_phone: p.v.workPhone, mobile: p.v.mobile, pager: p.v.pager, external_sync_id: p.v.externalSyncId,
        password_hash: hashes[i + j], password_temporary: true, password_changed_at: new Date(),
        synced_fields: p.v.externalSyncId ? p.given.map((g) => SYNCED_NAME[g]).filter((x): x is string => Boolean(x)) : [],
      }))).execute();
      await trx.insertInto('mail_addresses').values(part.map((_, j) => ({ address: emails[i + j], account_id: ids[j], kind: 'primary' as const }))).execute();
      part.forEach((p, j) => result.push({ line: p.line, action: 'created', email: emails[i + j], password: passwords[i + j] }));
      live.done = Math.min(plans.length, creates.length + i + BATCH);
    }
    // Updates in batches too: one statement per batch, every row's values as JSON; an empty cell keeps the field.
    for (let i = 0; i < updates.length; i += BATCH) {
      const part = updates.slice(i, i + BATCH).map((p) => {
        const row: Record<string, unknown> = { id: p.existing!.id, organisation_id: p.org.id, synced: p.given.map((g) => SYNCED_NAME[g]).filter(Boolean) };
        for (const g of p.given) if (UPDATABLE[g]) row[UPDATABLE[g]!] = p.v[g];
        if (p.given.includes('unit')) {
          row.set_unit = true;
          row.unit_id = p.unitId;
        }
        const renamed = p.given.includes('firstName') || p.given.includes('lastName') || p.existing!.organisation_id !== p.org.id;
        if (renamed && !p.given.includes('displayName')) row.display_name = displayNameFor(p.v, p.org);
        return row;
      });
      await sql`
        update accounts a set
          first_name = coalesce(v.first_name, a.first_name), last_name = coalesce(v.last_name, a.last_name),
          display_name = coalesce(v.display_name, a.display_name), job_title = coalesce(v.job_title, a.job_title),
          job_role = coalesce(v.job_role, a.job_role), specialty = coalesce(v.specialty, a.specialty), department = coalesce(v.department, a.department),
          location = coalesce(v.location, a.location), work_phone = coalesce(v.work_phone, a.work_phone), mobile = coalesce(v.mobile, a.mobile),
          pager = coalesce(v.pager, a.pager), unit_id = case when v.set_unit then v.unit_id else a.unit_id end, organisation_id = v.organisation_id,
          synced_fields = (select coalesce(array_agg(distinct f order by f), '{}') from unnest(a.synced_fields || v.synced) f), updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(part)}::jsonb) as v(
          id uuid, organisation_id uuid, first_name text, last_name text, display_name text, job_title text, job_role text, specialty text,
          department text, location text, work_phone text, mobile text, pager text, set_unit boolean, unit_id uuid, synced text[])
        where a.id = v.id`.execute(trx);
      for (const p of updates.slice(i, i + BATCH)) result.push({ line: p.line, action: 'updated', email: p.existing!.email, password: '' });
      live.done = Math.min(plans.length, creates.length + i + BATCH);
    }
    const byOrg = new Map<string, { code: string; created: string[]; updated: string[] }>();
    const planByLine = new Map(plans.map((p) => [p.line, p]));
    for (const r of result) {
      const plan = planByLine.get(r.line)!;
      const entry = byOrg.get(plan.org.id) ?? { code: plan.org.code, created: [], updated: [] };
      (r.action === 'created' ? entry.created : entry.updated).push(r.email);
      byOrg.set(plan.org.id, entry);
    }
    for (const [organisationId, e] of byOrg) {
      await appendAudit(trx, {
        actor: actorForAudit(ctx.actor), action: 'account.bulk', target: { type: 'bulk_job', id: jobId }, organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip,
        detail: { organisationCode: e.code, created: e.created.length, updated: e.updated.length, createdEmails: e.created, updatedEmails: e.updated },
      });
    }
  });
  result.sort((a, b) => a.line - b.line);
  return {
    created: creates.length,
    updated: updates.length,
    csv: stringify([['line', 'action', 'email', 'temporary_password'], ...result.map((r) => [r.line, r.action, r.email, r.password])]),
  };
}

/**
 * firstname.lastname with a number on collision, for a whole batch at once: the
 * taken addresses with those stems are read in one query and numbered here.
 * The table's primary key still guards against another process taking one in
 * between (the insert then fails and the whole file can be run again).
 */
async function assignAddresses(trx: Kysely<DB>, creates: Plan[], domain: string): Promise<string[]> {
  const stems = creates.map((p) => localPartFor(p.v.firstName, p.v.lastName));
  const unique = [...new Set(stems)];
  const taken = new Set<string>();
  for (let i = 0; i < unique.length; i += 2000) {
    const { rows } = await sql<{ address: string }>`
      select address from mail_addresses where split_part(address, '@', 2) = ${domain}
        and regexp_replace(split_part(address, '@', 1), '[0-9]+$', '') = any(${unique.slice(i, i + 2000)}::text[])`.execute(trx);
    for (const r of rows) taken.add(r.address);
  }
  return stems.map((stem) => {
    for (let n = 1; ; n++) {
      const address = `${n === 1 ? stem : `${stem}${n}`}@${domain}`;
      if (!taken.has(address)) {
        taken.add(address);
        return address;
      }
    }
  });
}

export async function getBulkJob(db: Kysely<DB>, jobId: string) {
  const job = await db.selectFrom('bulk_jobs as j').innerJoin('organisations as o', 'o.id', 'j.organisation_id').selectAll('j').select(['o.code as organisation_code', 'o.name as organisation_name']).where('j.id', '=', jobId).executeTakeFirst();
  if (!job) return null;
  if (job.result_csv && job.finished_at && job.finished_at.getTime() + RESULT_KEEP_HOURS * 3600_000 < Date.now()) {
    await db.updateTable('bulk_jobs').set({ result_csv: null }).where('id', '=', jobId).execute();
    job.result_csv = null;
  }
  const live = liveProgress(jobId);
  return { ...job, done_rows: live ? live.done : job.done_rows, total_rows: live ? live.total : job.total_rows, phase: live?.phase ?? job.state };
}
