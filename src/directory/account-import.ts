import type { Kysely } from 'kysely';
import { parse } from 'csv-parse/sync';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { authorise } from '../identity/authorise.ts';
import { actorForAudit } from '../identity/actor.ts';
import { hashTemporaryPassword, temporaryPassword } from '../identity/password-hash.ts';
import { AccountInput, type AccountValues } from './account-schema.ts';
import { type CreatedAccount, insertAccount } from './accounts.ts';
import { ImportRejectedError, type RowProblem, zodProblems } from '../shared/errors.ts';
import type { Context, OrganisationRow } from './organisations.ts';

/**
 * Accounts from CSV: every row is validated first and every bad row reported
 * by line and reason; only a clean file is written, in one transaction.
 * Columns (header row, any order): organisation_code, first_name, last_name,
 * and optionally job_title, job_role, specialty, department, location, unit,
 * work_phone, mobile, pager, external_sync_id, display_name.
 */
export const COLUMN_TO_FIELD: Record<string, keyof AccountValues> = {
  organisation_code: 'organisationCode',
  first_name: 'firstName',
  last_name: 'lastName',
  display_name: 'displayName',
  job_title: 'jobTitle',
  job_role: 'jobRole',
  specialty: 'specialty',
  department: 'department',
  location: 'location',
  unit: 'unit',
  work_phone: 'workPhone',
  mobile: 'mobile',
  pager: 'pager',
  external_sync_id: 'externalSyncId',
};
export const FIELD_TO_COLUMN = Object.fromEntries(Object.entries(COLUMN_TO_FIELD).map(([c, f]) => [f, c]));
const REQUIRED = ['organisation_code', 'first_name', 'last_name'];

export type ImportedAccount = CreatedAccount & { line: number };

export type AccountRow = { line: number; v: AccountValues; given: Array<keyof AccountValues> };

/**
 * An accounts CSV read as far as the schema goes, for the import and the bulk
 * job alike. When the file itself or its header row is wrong, `fileRejected`
 * is set and `problems` says why; otherwise `problems` names each bad row by
 * line and `rows` holds the good ones, with the columns each gave a value for.
 */
export function readAccountsCsv(text: string): { rows: AccountRow[]; problems: RowProblem[]; fileRejected: boolean } {
  const rejected = (problems: RowProblem[]) => ({ rows: [], problems, fileRejected: true });
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    return rejected([{ line: (err as { lines?: number }).lines ?? 1, message: `The file is not valid CSV: ${(err as Error).message}` }]);
  }
  if (records.length < 2) return rejected([{ line: 1, message: 'The file has no accounts in it: it needs a header row and at least one row.' }]);
  const header = records[0].map((h) => h.toLowerCase().replace(/[\s-]+/g, '_'));
  const missing = REQUIRED.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !(h in COLUMN_TO_FIELD));
  const problems: RowProblem[] = [];
  if (missing.length) problems.push({ line: 1, message: `The header row is missing: ${missing.join(', ')}.` });
  if (unknown.length) problems.push({ line: 1, message: `Unknown columns: ${unknown.join(', ')}. Known columns: ${Object.keys(COLUMN_TO_FIELD).join(', ')}.` });
  if (problems.length) return rejected(problems);

  const rows: AccountRow[] = [];
  records.slice(1).forEach((r, i) => {
    const line = i + 2;
    const input: Record<string, string> = {};
    header.forEach((h, col) => {
      if (r[col]) input[COLUMN_TO_FIELD[h]] = r[col];
    });
    const parsed = AccountInput.safeParse(input);
    if (!parsed.success) {
      for (const p of zodProblems(parsed.error.issues)) problems.push({ line, field: FIELD_TO_COLUMN[p.field] ?? p.field, message: p.message });
    } else rows.push({ line, v: parsed.data, given: Object.keys(input) as Array<keyof AccountValues> });
  });
  return { rows, problems, fileRejected: false };
}

export async function importAccountsCsv(db: Kysely<DB>, text: string, ctx: Context & { domain: string }): Promise<ImportedAccount[]> {
  const { rows: valid, problems, fileRejected } = readAccountsCsv(text);
  if (fileRejected) throw new ImportRejectedError(problems);

  // Hash outside the transaction: Argon2 is the slow part and needs no locks.
  const passwords = valid.map(() => temporaryPassword());
  const hashes = await Promise.all(passwords.map((p) => hashTemporaryPassword(p)));

  return db.transaction().execute(async (trx) => {
    const orgs = new Map<string, OrganisationRow | null>();
    const allowed = new Map<string, boolean>();
    const units = new Map<string, string>();
    const syncIds = new Map<string, number>();
    for (const { line, v } of valid) {
      if (!orgs.has(v.organisationCode)) {
        const org = (await trx.selectFrom('organisations').selectAll().where('code', '=', v.organisationCode).executeTakeFirst()) as OrganisationRow | undefined;
        orgs.set(v.organisationCode, org ?? null);
        if (org) {
          allowed.set(org.id, (await authorise(trx, ctx.actor, 'account.import', { organisationId: org.id })).allowed);
          for (const u of await trx.selectFrom('organisation_units').select(['id', 'name']).where('organisation_id', '=', org.id).execute()) {
            units.set(`${org.id}/${u.name}`, u.id);
          }
        }
      }
      const org = orgs.get(v.organisationCode);
      if (!org) {
        problems.push({ line, field: 'organisation_code', message: `There is no organisation with code ${v.organisationCode}.` });
        continue;
      }
      if (!allowed.get(org.id)) problems.push({ line, field: 'organisation_code', message: `You cannot create accounts in ${org.name}.` });
      if (org.status === 'closed') problems.push({ line, field: 'organisation_code', message: `${org.name} is closed and cannot have new accounts.` });
      if (v.unit && !units.has(`${org.id}/${v.unit}`)) problems.push({ line, field: 'unit', message: `${org.name} has no unit called ${v.unit}.` });
      if (v.externalSyncId) {
        const key = `${org.id}/${v.externalSyncId}`;
        if (syncIds.has(key)) problems.push({ line, field: 'external_sync_id', message: `ExternalSyncID ${v.externalSyncId} is also on line ${syncIds.get(key)}.` });
        else {
          syncIds.set(key, line);
          const taken = await trx.selectFrom('accounts').select('id').where('organisation_id', '=', org.id).where('external_sync_id', '=', v.externalSyncId).executeTakeFirst();
          if (taken) problems.push({ line, field: 'external_sync_id', message: `An account in ${org.name} already has ExternalSyncID ${v.externalSyncId}.` });
        }
      }
    }
    if (problems.length) throw new ImportRejectedError(problems.sort((a, b) => a.line - b.line));

    const created: ImportedAccount[] = [];
    for (let i = 0; i < valid.length; i++) {
      const { line, v } = valid[i];
      const org = orgs.get(v.organisationCode)!;
      const row = await insertAccount(trx, v, org, {
        domain: ctx.domain,
        passwordHash: hashes[i],
        unitId: v.unit ? units.get(`${org.id}/${v.unit}`) : null,
      });
      created.push({ ...row, temporaryPassword: passwords[i], line });
    }
    const emailsByOrg = new Map<string, string[]>();
    valid.forEach(({ v }, i) => {
      const list = emailsByOrg.get(v.organisationCode) ?? [];
      list.push(created[i].email);
      emailsByOrg.set(v.organisationCode, list);
    });
    for (const [code, emails] of emailsByOrg) {
      await appendAudit(trx, {
        actor: actorForAudit(ctx.actor),
        action: 'account.import',
        organisationId: orgs.get(code)!.id,
        frontDoor: ctx.frontDoor,
        ip: ctx.ip,
        detail: { created: emails.length, organisationCode: code, emails },
      });
    }
    return created;
  });
}
