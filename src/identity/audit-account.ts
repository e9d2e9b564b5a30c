import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { actorForAudit } from './actor.ts';
import type { Actor } from './authorise.ts';

/** Who is acting, through which door, from where: what every audited identity change needs. */
export type ActionContext = { actor: Actor; frontDoor: FrontDoor; ip?: string | null };

/** Appends an audit entry about one account (its address and organisation looked up). */
export async function auditAccount(
  db: Kysely<DB>,
  accountId: string,
  action: string,
  ctx: ActionContext,
  opts: { outcome?: 'success' | 'failure' | 'refused'; detail?: Record<string, unknown> } = {},
): Promise<void> {
  const acc = await db.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', accountId).executeTakeFirstOrThrow();
  await appendAudit(db, {
    actor: actorForAudit(ctx.actor),
    action,
    outcome: opts.outcome,
    target: { type: 'account', id: accountId },
    organisationId: acc.organisation_id,
    frontDoor: ctx.frontDoor,
    ip: ctx.ip,
    detail: { email: acc.email, ...opts.detail },
  });
}
