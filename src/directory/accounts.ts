import type { Kysely } from 'kysely';
import type { AccountStatus, DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { requireAllowed } from '../identity/authorise.ts';
import { actorForAudit } from '../identity/actor.ts';
import { hashTemporaryPassword, temporaryPassword } from '../identity/password-hash.ts';
import { AccountInput, type AccountValues } from './account-schema.ts';
import { claimAddress, localPartFor } from './addresses.ts';
import { NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import { type Context, findOrganisationByCode, type OrganisationRow } from './organisations.ts';

export const STATUS_LABELS: Record<AccountStatus, string> = {
  active: 'Active',
  locked: 'Locked',
  disabled: 'Disabled',
  leaver: 'Active (Leaver)',
  inactive: 'Inactive',
  deleted: 'Deleted',
  deleted_permanent: 'Deleted Permanent',
};

export type AccountSummary = {
  id: string;
  email: string;
  display_name: string;
  first_name: string;
  last_name: string;
  job_title: string | null;
  status: AccountStatus;
  organisation_id: string;
  organisation_name: string;
  organisation_code: string;
  external_sync_id: string | null;
};

export type CreatedAccount = { id: string; email: string; displayName: string; temporaryPassword: string };

export function parseAccount(input: unknown): AccountValues {
  const parsed = AccountInput.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  return parsed.data;
}

export function displayNameFor(v: { firstName: string; lastName: string; displayName?: string | null }, org: { short_name: string }): string {
  // NHSmail shows "Surname, Firstname (ORGANISATION)" so people can be told apart in the directory.
  return v.displayName || `${v.lastName}, ${v.firstName} (${org.short_name})`;
}

/** Checks that the organisation can take a new account; returns it. */
export async function organisationForNewAccount(db: Kysely<DB>, code: string): Promise<OrganisationRow> {
  const org = await findOrganisationByCode(db, code);
  if (!org) throw new ValidationError([{ field: 'organisationCode', message: `There is no organisation with code ${code}.` }]);
  if (org.status === 'closed') {
    throw new ValidationError([{ field: 'organisationCode', message: `${org.name} is closed and cannot have new accounts.` }]);
  }
  return org;
}

/**
 * Writes one account, its address and its temporary password. Used by the
 * Portal, the command line and CSV import alike, always inside the caller's
 * transaction.
 */
export async function insertAccount(
  trx: Kysely<DB>,
  v: AccountValues,
  org: OrganisationRow,
  opts: { domain: string; passwordHash: string; unitId?: string | null; demo?: boolean; onboardingComplete?: boolean; temporary?: boolean },
): Promise<{ id: string; email: string; displayName: string }> {
  const displayName = displayNameFor(v, org);
  // The address needs the id and the account needs the address: a placeholder bridges the two in one transaction.
  const placeholder = `pending-${crypto.randomUUID()}@invalid`;
  const { id } = await trx
    .insertInto('accounts')
    .values({
      organisation_id: org.id,
      unit_id: opts.unitId ?? null,
      email: placeholder,
      kind: v.kind,
      first_name: v.firstName,
      last_name: v.lastName,
      display_name: displayName,
      job_title: v.jobTitle,
      job_role: v.jobRole,
      specialty: v.specialty,
      department: v.department,
      location: v.location,
      work_phone: v.workPhone,
      mobile: v.mobile,
      pager: v.pager,
      external_sync_id: v.externalSyncId,
      password_hash: opts.passwordHash,
      password_temporary: opts.temporary ?? true,
      password_changed_at: new Date(),
      demo: opts.demo ?? false,
      onboarding_complete: opts.onboardingComplete ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const email = await claimAddress(trx, localPartFor(v.firstName, v.lastName), opts.domain, id);
  await trx.updateTable('accounts').set({ email }).where('id', '=', id).execute();
  return { id, email, displayName };
}

async function resolveUnit(trx: Kysely<DB>, organisationId: string, unit: string | null): Promise<string | null> {
  if (!unit) return null;
  const row = await trx.selectFrom('organisation_units').select('id').where('organisation_id', '=', organisationId).where('name', '=', unit).executeTakeFirst();
  if (!row) throw new ValidationError([{ field: 'unit', message: `The organisation has no unit called ${unit}.` }]);
  return row.id;
}

export async function externalSyncIdTaken(trx: Kysely<DB>, organisationId: string, externalSyncId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('accounts')
    .select('id')
    .where('organisation_id', '=', organisationId)
    .where('external_sync_id', '=', externalSyncId)
    .executeTakeFirst();
  return Boolean(row);
}

export async function createAccount(db: Kysely<DB>, input: unknown, ctx: Context & { domain: string }): Promise<CreatedAccount> {
  const v = parseAccount(input);
  const password = temporaryPassword();
  const passwordHash = await hashTemporaryPassword(password);
  return db.transaction().execute(async (trx) => {
    const org = await organisationForNewAccount(trx, v.organisationCode);
    await requireAllowed(trx, ctx.actor, 'account.create', { organisationId: org.id });
    if (v.externalSyncId && (await externalSyncIdTaken(trx, org.id, v.externalSyncId))) {
      throw new ValidationError([{ field: 'externalSyncId', message: `Another account in ${org.name} already has ExternalSyncID ${v.externalSyncId}.` }]);
    }
    const unitId = await resolveUnit(trx, org.id, v.unit);
    const created = await insertAccount(trx, v, org, { domain: ctx.domain, passwordHash, unitId });
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'account.create',
      target: { type: 'account', id: created.id },
      organisationId: org.id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { email: created.email, organisationCode: org.code },
    });
    return { ...created, temporaryPassword: password };
  });
}

export async function getAccount(db: Kysely<DB>, id: string) {
  const row = await db
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .leftJoin('organisation_units as u', 'u.id', 'a.unit_id')
    .selectAll('a')
    .select(['o.name as organisation_name', 'o.code as organisation_code', 'u.name as unit_name'])
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('That account does not exist.');
  return row;
}

export async function findAccountByEmail(db: Kysely<DB>, email: string) {
  return db.selectFrom('accounts').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
}

/** Accounts in an organisation and, optionally, every organisation below it. */
export async function listAccounts(
  db: Kysely<DB>,
  organisationId: string,
  opts: { includeChildren?: boolean; limit?: number; offset?: number } = {},
): Promise<{ total: number; rows: AccountSummary[] }> {
  let q = db
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .where('a.status', '<>', 'deleted_permanent');
  q = opts.includeChildren
    ? q.where('a.organisation_id', 'in', (sub) => sub.selectFrom('organisation_closure').select('descendant_id').where('ancestor_id', '=', organisationId))
    : q.where('a.organisation_id', '=', organisationId);
  const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'a.id', 'a.email', 'a.display_name', 'a.first_name', 'a.last_name', 'a.job_title', 'a.status',
      'a.organisation_id', 'o.name as organisation_name', 'o.code as organisation_code', 'a.external_sync_id',
    ])
    .orderBy('a.last_name')
    .orderBy('a.first_name')
    .orderBy('a.email')
    .limit(opts.limit ?? 50)
    .offset(opts.offset ?? 0)
    .execute();
  return { total: Number(total.n), rows };
}
