import { type Kysely, sql } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { DB } from '../db/schema.ts';
import { type Actor, requireAllowed } from '../identity/authorise.ts';
import { accountHasStrongMfa } from '../identity/mfa/status.ts';
import { ADMIN_ROLES } from '../identity/roles.ts';
import { NotFoundError } from '../shared/errors.ts';
import { STATUS_LABELS } from './accounts.ts';
import type { LifecyclePolicy } from './lifecycle.ts';
import { directoryDb } from './tables.ts';

/**
 * Reports for administrators (SPEC 8), always over the organisation and
 * everything below it: on screen and as CSV from the same rows.
 */
export type ReportColumn = { key: string; label: string };
export type Report = { name: string; title: string; description: string; columns: ReportColumn[] };
export type ReportRows = { report: Report; rows: Array<Record<string, string>>; truncated: boolean };

export const REPORTS: Report[] = [
  {
    name: 'mailboxes', title: 'Mailbox report', description: 'Every mailbox: status, type, address, quota use and ExternalSyncID.',
    columns: [
      { key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Organisation' },
      { key: 'type', label: 'Type' }, { key: 'status', label: 'Status' }, { key: 'quotaUsed', label: 'Quota used' }, { key: 'externalSyncId', label: 'ExternalSyncID' },
    ],
  },
  {
    name: 'mfa', title: 'MFA status', description: 'Who has an authenticator app or passkey; administrators without one are flagged.',
    columns: [
      { key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Organisation' },
      { key: 'administrator', label: 'Administrator' }, { key: 'strongMfa', label: 'Authenticator app or passkey' },
    ],
  },
  {
    name: 'locked', title: 'Locked accounts', description: 'Accounts locked after too many failed sign-ins.',
    columns: [{ key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Organisation' }, { key: 'since', label: 'Locked since' }],
  },
  {
    name: 'leavers', title: 'Leavers', description: 'Accounts marked as leavers, and when they will be deleted unless another organisation accepts them.',
    columns: [{ key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Organisation' }, { key: 'since', label: 'Leaver since' }, { key: 'deletedOn', label: 'Deleted on' }],
  },
  {
    name: 'inactive', title: 'Inactive accounts', description: 'Accounts not signed in to for a while, and when they will be deleted.',
    columns: [{ key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Organisation' }, { key: 'lastSignIn', label: 'Last sign-in' }, { key: 'deletedOn', label: 'Deleted on' }],
  },
  {
    name: 'to-move', title: 'Accounts still to move', description: 'Accounts in closed organisations: move each to an open organisation, or mark them as leavers.',
    columns: [{ key: 'email', label: 'Address' }, { key: 'displayName', label: 'Display name' }, { key: 'organisation', label: 'Closed organisation' }, { key: 'status', label: 'Status' }],
  },
];

const LIMIT = 100_000;
const DAY = 86_400_000;
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '');

export async function runReport(
  db: Kysely<DB>, actor: Actor, organisationId: string, name: string, policy: Pick<LifecyclePolicy, 'leaverDays' | 'deleteInactiveAfterDays'>,
): Promise<ReportRows> {
  const report = REPORTS.find((r) => r.name === name);
  if (!report) throw new NotFoundError(`There is no report called ${name}. Reports: ${REPORTS.map((r) => r.name).join(', ')}.`);
  await requireAllowed(db, actor, 'report.read', { organisationId });
  let q = directoryDb(db)
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .innerJoin('organisation_closure as c', (j) => j.onRef('c.descendant_id', '=', 'a.organisation_id').on('c.ancestor_id', '=', organisationId))
    .select(['a.id', 'a.email', 'a.display_name', 'a.status', 'a.kind', 'a.external_sync_id', 'a.status_changed_at', 'a.last_sign_in_at', 'o.name as organisation'])
    .where('a.status', '<>', 'deleted_permanent');
  if (name === 'locked') q = q.where('a.status', '=', 'locked');
  if (name === 'leavers') q = q.where('a.status', '=', 'leaver');
  if (name === 'inactive') q = q.where('a.status', '=', 'inactive');
  if (name === 'to-move') q = q.where('o.status', '=', 'closed').where('a.status', 'not in', ['deleted', 'deleted_permanent']);
  const found = await q.orderBy('o.name').orderBy('a.email').limit(LIMIT + 1).execute();
  const truncated = found.length > LIMIT;
  const rows: Array<Record<string, string>> = [];
  let admins = new Set<string>();
  if (name === 'mfa' && found.length) {
    const held = await sql<{ account_id: string; role: string }>`select account_id, role from account_roles where account_id = any(${found.map((f) => f.id)}::uuid[])`.execute(db);
    admins = new Set(held.rows.filter((r) => ADMIN_ROLES.has(r.role as never)).map((r) => r.account_id));
  }
  for (const a of found.slice(0, LIMIT)) {
    const base = { email: a.email, displayName: a.display_name, organisation: a.organisation, status: STATUS_LABELS[a.status] };
    if (name === 'mailboxes') rows.push({ ...base, type: a.kind === 'person' ? 'User' : 'Application', quotaUsed: '', externalSyncId: a.external_sync_id ?? '' });
    else if (name === 'mfa') {
      const strong = await accountHasStrongMfa(db, a.id);
      rows.push({ ...base, administrator: admins.has(a.id) ? 'Yes' : 'No', strongMfa: strong ? 'Yes' : admins.has(a.id) ? 'No (required)' : 'No' });
    } else if (name === 'locked') rows.push({ ...base, since: day(a.status_changed_at) });
    else if (name === 'leavers') rows.push({ ...base, since: day(a.status_changed_at), deletedOn: day(new Date(a.status_changed_at.getTime() + policy.leaverDays * DAY)) });
    else if (name === 'inactive') rows.push({ ...base, lastSignIn: day(a.last_sign_in_at) || 'Never', deletedOn: day(new Date(a.status_changed_at.getTime() + policy.deleteInactiveAfterDays * DAY)) });
    else rows.push(base);
  }
  return { report, rows, truncated };
}

export function reportCsv(r: ReportRows): string {
  return stringify([r.report.columns.map((c) => c.label), ...r.rows.map((row) => r.report.columns.map((c) => row[c.key] ?? ''))]);
}
