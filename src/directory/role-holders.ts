import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { type Actor, authorise } from '../identity/authorise.ts';
import { isRole, ROLE_LABELS, ROLES, type Role } from '../identity/roles.ts';

/** Who holds which role at one organisation, and which roles this actor may hand out there. */
export async function roleHolders(db: Kysely<DB>, organisationId: string) {
  const rows = await db
    .selectFrom('account_roles as r')
    .innerJoin('accounts as a', 'a.id', 'r.account_id')
    .select(['r.account_id', 'r.role', 'r.granted_at', 'a.email', 'a.display_name'])
    .where('r.organisation_id', '=', organisationId)
    .orderBy('r.role')
    .orderBy('a.display_name')
    .execute();
  return rows.map((r) => ({ ...r, label: isRole(r.role) ? ROLE_LABELS[r.role] : r.role }));
}

export async function grantableRoles(db: Kysely<DB>, actor: Actor, organisationId: string): Promise<Role[]> {
  if ((await authorise(db, actor, 'role.grant_any', { organisationId })).allowed) return [...ROLES];
  if ((await authorise(db, actor, 'role.grant_local', { organisationId })).allowed) return ['local_admin', 'local_helpdesk'];
  return [];
}
