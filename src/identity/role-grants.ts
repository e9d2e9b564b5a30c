import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { ValidationError } from '../shared/errors.ts';
import { actorForAudit } from './actor.ts';
import { type Actor, requireAllowed } from './authorise.ts';
import { isRole, ROLE_LABELS, type Role } from './roles.ts';
import type { FrontDoor } from '../audit/trail.ts';

/** Roles a Local Primary Administrator may hand out within their organisation. */
const LOCAL_GRANTABLE: ReadonlySet<Role> = new Set<Role>(['local_admin', 'local_helpdesk']);

export async function grantRole(
  db: Kysely<DB>,
  args: { accountId: string; organisationId: string; role: string },
  ctx: { actor: Actor; frontDoor: FrontDoor; ip?: string | null },
): Promise<void> {
  if (!isRole(args.role)) {
    throw new ValidationError([{ field: 'role', message: `There is no role called ${args.role}. Roles are: ${Object.keys(ROLE_LABELS).join(', ')}.` }]);
  }
  const role = args.role;
  await db.transaction().execute(async (trx) => {
    const action = LOCAL_GRANTABLE.has(role) ? 'role.grant_local' : 'role.grant_any';
    await requireAllowed(trx, ctx.actor, action, { organisationId: args.organisationId });
    const account = await trx.selectFrom('accounts').select(['id', 'email']).where('id', '=', args.accountId).executeTakeFirst();
    if (!account) throw new ValidationError([{ field: 'account', message: 'That account does not exist.' }]);
    await trx
      .insertInto('account_roles')
      .values({
        account_id: args.accountId,
        organisation_id: args.organisationId,
        role,
        granted_by: ctx.actor.kind === 'account' ? ctx.actor.accountId : null,
      })
      .onConflict((oc) => oc.columns(['account_id', 'organisation_id', 'role']).doNothing())
      .execute();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'role.grant',
      target: { type: 'account', id: args.accountId },
      organisationId: args.organisationId,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { role, email: account.email },
    });
  });
}
