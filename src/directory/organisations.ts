import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { type Actor, requireAllowed } from '../identity/authorise.ts';
import { actorForAudit } from '../identity/actor.ts';
import { ConflictError, NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import { defaultShortName, OrganisationInput, type OrganisationValues, UNIT_KINDS } from './organisation-schema.ts';

export type OrganisationRow = {
  id: string;
  code: string;
  name: string;
  short_name: string;
  type: string;
  site_type: string | null;
  parent_id: string | null;
  status: 'open' | 'closed';
  nas: boolean;
  helpdesk_phone: string | null;
  helpdesk_email: string | null;
};

const COLUMNS = ['id', 'code', 'name', 'short_name', 'type', 'site_type', 'parent_id', 'status', 'nas', 'helpdesk_phone', 'helpdesk_email'] as const;

export function parseOrganisation(input: unknown): OrganisationValues {
  const parsed = OrganisationInput.safeParse(input);
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  return parsed.data;
}

export async function findOrganisationByCode(db: Kysely<DB>, code: string): Promise<OrganisationRow | undefined> {
  return db.selectFrom('organisations').select(COLUMNS).where('code', '=', code.toUpperCase()).executeTakeFirst();
}

export async function getOrganisation(db: Kysely<DB>, id: string): Promise<OrganisationRow> {
  const row = await db.selectFrom('organisations').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('That organisation does not exist.');
  return row;
}

/** The columns an organisation's validated values set, on insert and on update alike. */
export function organisationColumns(v: OrganisationValues, parentId: string | null) {
  return {
    name: v.name,
    short_name: v.shortName || defaultShortName(v.name),
    type: v.type,
    site_type: v.siteType ?? null,
    parent_id: parentId,
    status: v.status,
    nas: v.nas,
    postcode: v.postcode,
    opened_on: v.openedOn ?? null,
    closed_on: v.closedOn ?? null,
  };
}

/** Inserts one organisation row and its closure rows. The caller holds the transaction. */
export async function insertOrganisationRow(trx: Kysely<DB>, v: OrganisationValues, parentId: string | null): Promise<string> {
  const { id } = await trx
    .insertInto('organisations')
    .values({ code: v.code, ...organisationColumns(v, parentId), helpdesk_phone: v.helpdeskPhone, helpdesk_email: v.helpdeskEmail })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('organisation_closure').values({ ancestor_id: id, descendant_id: id, depth: 0 }).execute();
  if (parentId) {
    await sql`
      insert into organisation_closure (ancestor_id, descendant_id, depth)
      select ancestor_id, ${id}::uuid, depth + 1 from organisation_closure where descendant_id = ${parentId}::uuid`.execute(trx);
  }
  return id;
}

export type Context = { actor: Actor; frontDoor: FrontDoor; ip?: string | null };

export async function createOrganisation(db: Kysely<DB>, input: unknown, ctx: Context): Promise<OrganisationRow> {
  const v = parseOrganisation(input);
  return db.transaction().execute(async (trx) => {
    let parentId: string | null = null;
    if (v.parentCode) {
      const parent = await findOrganisationByCode(trx, v.parentCode);
      if (!parent) throw new ValidationError([{ field: 'parentCode', message: `There is no organisation with code ${v.parentCode}.` }]);
      parentId = parent.id;
    }
    await requireAllowed(trx, ctx.actor, 'organisation.create', null);
    if (await findOrganisationByCode(trx, v.code)) {
      throw new ValidationError([{ field: 'code', message: `An organisation with code ${v.code} already exists.` }]);
    }
    const id = await insertOrganisationRow(trx, v, parentId);
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'organisation.create',
      target: { type: 'organisation', id },
      organisationId: id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { code: v.code, name: v.name, parentCode: v.parentCode },
    });
    return getOrganisation(trx, id);
  });
}

/** Descendants of an organisation, itself included (depth 0). */
export async function subtreeIds(db: Kysely<DB>, organisationId: string): Promise<string[]> {
  const rows = await db.selectFrom('organisation_closure').select('descendant_id').where('ancestor_id', '=', organisationId).execute();
  return rows.map((r) => r.descendant_id);
}

export async function listSubtree(db: Kysely<DB>, organisationId: string): Promise<Array<OrganisationRow & { depth: number }>> {
  return db
    .selectFrom('organisation_closure as c')
    .innerJoin('organisations as o', 'o.id', 'c.descendant_id')
    .select([...COLUMNS.map((c) => `o.${c}` as const), 'c.depth'])
    .where('c.ancestor_id', '=', organisationId)
    .orderBy('c.depth')
    .orderBy('o.name')
    .execute();
}

export async function listUnits(db: Kysely<DB>, organisationId: string) {
  return db.selectFrom('organisation_units').select(['id', 'name', 'kind']).where('organisation_id', '=', organisationId).orderBy('name').execute();
}

export async function addUnit(db: Kysely<DB>, organisationId: string, name: string, kind: string, ctx: Context) {
  const trimmed = name.trim();
  const problems = [];
  if (!trimmed) problems.push({ field: 'name', message: 'Enter the unit name' });
  if (trimmed.length > 100) problems.push({ field: 'name', message: 'must be 100 characters or fewer' });
  if (!(UNIT_KINDS as readonly string[]).includes(kind)) problems.push({ field: 'kind', message: `must be one of: ${UNIT_KINDS.join(', ')}` });
  if (problems.length) throw new ValidationError(problems);
  return db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'organisation.edit', { organisationId });
    const existing = await trx.selectFrom('organisation_units').select('id').where('organisation_id', '=', organisationId).where('name', '=', trimmed).executeTakeFirst();
    if (existing) throw new ConflictError(`This organisation already has a unit called ${trimmed}.`);
    const row = await trx.insertInto('organisation_units').values({ organisation_id: organisationId, name: trimmed, kind }).returning(['id', 'name', 'kind']).executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'organisation.unit.create', target: { type: 'unit', id: row.id },
      organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name: trimmed, kind },
    });
    return row;
  });
}

/** Rebuilds the closure table from parent links; used after an import that moves organisations. */
export async function rebuildClosure(trx: Kysely<DB>): Promise<void> {
  await sql`delete from organisation_closure`.execute(trx);
  await sql`
    insert into organisation_closure (ancestor_id, descendant_id, depth)
    with recursive walk(ancestor_id, descendant_id, depth) as (
      select id, id, 0 from organisations
      union all
      select o.parent_id, w.descendant_id, w.depth + 1
      from walk w join organisations o on o.id = w.ancestor_id
      where o.parent_id is not null
    )
    select ancestor_id, descendant_id, depth from walk`.execute(trx);
}
