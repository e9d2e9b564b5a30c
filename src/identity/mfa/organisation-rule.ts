import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { actorForAudit } from '../actor.ts';
import type { ActionContext } from '../audit-account.ts';
import { requireAllowed } from '../authorise.ts';
import { withMfaColumns } from './tables.ts';

/**
 * An organisation may require MFA of all its users (and of everyone in the
 * organisations below it). People without a second factor are then asked to
 * set one up at their next sign-in, before anything else.
 */
export async function setOrganisationRequiresMfa(db: Kysely<DB>, organisationId: string, required: boolean, ctx: ActionContext): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'organisation.edit', { organisationId });
    const res = await withMfaColumns(trx).updateTable('organisations').set({ require_mfa: required, updated_at: new Date() }).where('id', '=', organisationId).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new NotFoundError('That organisation does not exist.');
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'organisation.require_mfa',
      target: { type: 'organisation', id: organisationId },
      organisationId,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { required },
    });
  });
}

export async function organisationMfaSetting(db: Kysely<DB>, organisationId: string): Promise<{ required: boolean; inheritedFrom: string | null }> {
  const rows = await withMfaColumns(db)
    .selectFrom('organisation_closure as c')
    .innerJoin('organisations as o', 'o.id', 'c.ancestor_id')
    .select(['o.name', 'o.require_mfa', 'c.depth'])
    .where('c.descendant_id', '=', organisationId)
    .orderBy('c.depth')
    .execute();
  const own = rows.find((r) => r.depth === 0);
  const above = rows.find((r) => r.depth > 0 && r.require_mfa);
  return { required: Boolean(own?.require_mfa), inheritedFrom: above?.name ?? null };
}
