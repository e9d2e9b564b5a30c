import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';

/**
 * Organisations in People Finder: by code (exact or prefix) or by name (words
 * anywhere, or close by trigram similarity), each with its Local
 * Administrators and the local IT helpdesk people should call.
 */
export type OrganisationResult = {
  id: string;
  code: string;
  name: string;
  siteType: string | null;
  status: 'open' | 'closed';
  parentName: string | null;
  helpdesk: { phone: string | null; email: string | null; from: string | null };
  localAdministrators: Array<{ displayName: string; email: string; heldAt: string }>;
};

export async function searchOrganisations(db: Kysely<DB>, query: string, limit = 20): Promise<OrganisationResult[]> {
  const q = query.trim();
  if (!q) throw new ValidationError([{ field: 'q', message: 'Enter an organisation name or code' }]);
  if (q.length > 100) throw new ValidationError([{ field: 'q', message: 'Organisation name or code must be 100 characters or fewer' }]);
  const code = q.toUpperCase();
  const { rows } = await sql<{ id: string; code: string; name: string; site_type: string | null; status: 'open' | 'closed'; parent_name: string | null }>`
    select o.id, o.code, o.name, o.site_type, o.status, p.name as parent_name
    from organisations o left join organisations p on p.id = o.parent_id
    where o.code = ${code} or o.code like ${`${code.replace(/[%_\\]/g, '')}%`} or o.name ilike ${`%${q.replace(/[%_\\]/g, '')}%`} or ${q} <% o.name
    order by (o.code = ${code}) desc, (o.code like ${`${code}%`}) desc, word_similarity(${q}, o.name) desc, o.name
    limit ${limit}`.execute(db);
  const out: OrganisationResult[] = [];
  for (const r of rows) out.push({ ...(await organisationContacts(db, r.id)), id: r.id, code: r.code, name: r.name, siteType: r.site_type, status: r.status, parentName: r.parent_name });
  return out;
}

/**
 * The helpdesk is the nearest one up the tree (a hospital site uses its trust's);
 * the LAs are those whose reach includes the organisation, nearest first, up to
 * but not including the national root.
 */
export async function organisationContacts(db: Kysely<DB>, organisationId: string) {
  const chain = await db
    .selectFrom('organisation_closure as c')
    .innerJoin('organisations as o', 'o.id', 'c.ancestor_id')
    .select(['o.id', 'o.name', 'o.parent_id', 'o.helpdesk_phone', 'o.helpdesk_email', 'c.depth'])
    .where('c.descendant_id', '=', organisationId)
    .orderBy('c.depth')
    .execute();
  const withDesk = chain.find((o) => o.helpdesk_phone || o.helpdesk_email);
  const reach = chain.filter((o) => o.parent_id !== null || chain.length === 1);
  const las = reach.length
    ? await db
        .selectFrom('account_roles as r')
        .innerJoin('accounts as a', 'a.id', 'r.account_id')
        .innerJoin('organisations as o', 'o.id', 'r.organisation_id')
        .innerJoin('organisation_closure as c', (j) => j.onRef('c.ancestor_id', '=', 'r.organisation_id').on('c.descendant_id', '=', organisationId))
        .select(['a.display_name', 'a.email', 'o.name as held_at', 'c.depth'])
        .where('r.organisation_id', 'in', reach.map((o) => o.id))
        .where('r.role', 'in', ['local_primary_admin', 'local_admin'])
        .where('a.status', 'in', ['active', 'locked', 'inactive'])
        .orderBy('c.depth')
        .orderBy('a.display_name')
        .limit(10)
        .execute()
    : [];
  return {
    helpdesk: { phone: withDesk?.helpdesk_phone ?? null, email: withDesk?.helpdesk_email ?? null, from: withDesk?.name ?? null },
    localAdministrators: las.map((l) => ({ displayName: l.display_name, email: l.email, heldAt: l.held_at })),
  };
}
