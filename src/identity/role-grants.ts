import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { ValidationError } from '../shared/errors.ts';
import { actorForAudit } from './actor.ts';
import { type Actor, authorise, NotAllowedError, requireAllowed } from './authorise.ts';
import { ADMIN_ROLES, isRole, ROLE_LABELS, type Role } from './roles.ts';
import { accountHasStrongMfa } from './mfa/status.ts';
import type { FrontDoor } from '../audit/trail.ts';

/** Roles a Local Primary Administrator may hand out within their organisation. */
const LOCAL_GRANTABLE: ReadonlySet<Role> = new Set<Role>(['local_admin', 'local_helpdesk']);

function knownRole(role: string): Role {
  if (!isRole(role)) {
    throw new ValidationError([{ field: 'role', message: `There is no role called ${role}. Roles are: ${Object.keys(ROLE_LABELS).join(', ')}.` }]);
  }
  return role;
}

/** Granting and removing a role need the same permission. */
function actionToManage(role: Role) {
  return LOCAL_GRANTABLE.has(role) ? ('role.grant_local' as const) : ('role.grant_any' as const);
}

export async function grantRole(
  db: Kysely<DB>,
  args: { accountId: string; organisationId: string; role: string },
  ctx: { actor: Actor; frontDoor: FrontDoor; ip?: string | null },
): Promise<void> {
  const role = knownRole(args.role);
  await db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, actionToManage(role), { organisationId: args.organisationId });
    const account = await trx.selectFrom('accounts').select(['id', 'email', 'organisation_id']).where('id', '=', args.accountId).executeTakeFirst();
    if (!account) throw new ValidationError([{ field: 'account', message: 'That account does not exist.' }]);
    // Roles go to people the granter manages: an organisation (or its key) cannot recruit another's staff as its administrators.
    if (!(await authorise(trx, ctx.actor, 'account.read', { organisationId: account.organisation_id })).allowed) {
      throw new NotAllowedError(`${account.email} is in an organisation you do not manage: you can give roles only to people of your organisation or the organisations below it.`);
    }
    // SPEC 4: an administrator must have an authenticator app or passkey before holding the role.
    if (ADMIN_ROLES.has(role) && !(await accountHasStrongMfa(trx, args.accountId))) {
      throw new ValidationError([{
        field: 'role',
        message: `${account.email} cannot be made ${ROLE_LABELS[role]} yet: administrators must sign in with an authenticator app or a passkey, and this account has neither. Ask them to set one up under "Sign-in security" first.`,
      }]);
    }
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

/** Takes a role away; the same reach as granting it (LA and helpdesk roles by a Local Primary Administrator). */
export async function removeRole(
  db: Kysely<DB>,
  args: { accountId: string; organisationId: string; role: string },
  ctx: { actor: Actor; frontDoor: FrontDoor; ip?: string | null },
): Promise<void> {
  const role = knownRole(args.role);
  await db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, actionToManage(role), { organisationId: args.organisationId });
    const removed = await trx
      .deleteFrom('account_roles')
      .where('account_id', '=', args.accountId)
      .where('organisation_id', '=', args.organisationId)
      .where('role', '=', role)
      .returning('id')
      .executeTakeFirst();
    if (!removed) throw new ValidationError([{ field: 'role', message: `That account does not hold the role ${ROLE_LABELS[role]} there.` }]);
    const account = await trx.selectFrom('accounts').select('email').where('id', '=', args.accountId).executeTakeFirst();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'role.remove',
      target: { type: 'account', id: args.accountId },
      organisationId: args.organisationId,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { role, email: account?.email },
    });
  });
}
