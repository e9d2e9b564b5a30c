import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { AuditActor } from '../audit/trail.ts';
import type { Actor } from './authorise.ts';
import { isRole, type RoleGrant } from './roles.ts';

export function actorForAudit(actor: Actor): AuditActor {
  return actor.kind === 'account' ? { id: actor.accountId, label: actor.label } : { id: null, label: actor.label };
}

export async function grantsOf(db: Kysely<DB>, accountId: string): Promise<RoleGrant[]> {
  const rows = await db.selectFrom('account_roles').select(['role', 'organisation_id']).where('account_id', '=', accountId).execute();
  return rows.filter((r) => isRole(r.role)).map((r) => ({ role: r.role as RoleGrant['role'], organisationId: r.organisation_id }));
}

/** The actor for a signed-in account: who they are and every role they hold, fresh from the database. */
export async function accountActor(db: Kysely<DB>, accountId: string): Promise<Actor> {
  const acc = await db.selectFrom('accounts').select(['email']).where('id', '=', accountId).executeTakeFirstOrThrow();
  return { kind: 'account', accountId, label: acc.email, grants: await grantsOf(db, accountId) };
}

export function operatorActor(): Actor {
  const user = process.env.SUDO_USER || process.env.USER || 'operator';
  return { kind: 'operator', label: `command line (${user})` };
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', label: 'Caremail' };
