import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { type Actor, reachableRoots } from '../identity/authorise.ts';
import { ConflictError } from '../shared/errors.ts';
import type { ApprovalRequestTable } from './tables.ts';
import '../directory/tables.ts';

export type ApprovalRequest = Selectable<ApprovalRequestTable>;
export type ApprovalContext = { actor: Actor; frontDoor: FrontDoor; ip?: string | null };

/**
 * Who an actor is for the second-person rule: the same account, the same API
 * key, or the same person at the shell count as one person.
 */
export function actorKey(actor: Actor): string {
  switch (actor.kind) {
    case 'account': return `account:${actor.accountId}`;
    case 'api_key': return `api_key:${actor.keyId}`;
    default: return `${actor.kind}:${actor.label}`;
  }
}

/** Where the requester hears the outcome: their own address, or for an API key the address of whoever made the key. */
async function notifyAddress(db: Kysely<DB>, actor: Actor): Promise<{ accountId: string | null; email: string | null }> {
  const accountId = actor.kind === 'account'
    ? actor.accountId
    : actor.kind === 'api_key'
      ? (await db.selectFrom('api_keys').select('created_by').where('id', '=', actor.keyId).executeTakeFirst())?.created_by ?? null
      : null;
  if (!accountId) return { accountId: null, email: null };
  const row = await db.selectFrom('accounts').select('email').where('id', '=', accountId).executeTakeFirst();
  return { accountId, email: row?.email ?? null };
}

/**
 * Opens a request (call inside the caller's transaction, after it has checked
 * the requester may ask). One pending request per kind and target: a second
 * one is refused with the first one's date, rather than queueing duplicates.
 */
export async function openRequest(
  trx: Kysely<DB>,
  req: { kind: string; organisationId: string; targetAccountId: string | null; detail: Record<string, unknown>; reason: string; targetLabel: string },
  ctx: ApprovalContext,
): Promise<ApprovalRequest> {
  if (req.targetAccountId) {
    const open = await pendingFor(trx, req.kind, req.targetAccountId);
    if (open) throw new ConflictError(`A request for this is already waiting for approval (asked on ${open.requested_at.toISOString().slice(0, 10)} by ${open.requested_by_label}).`);
  }
  const who = await notifyAddress(trx, ctx.actor);
  const row = await trx
    .insertInto('approval_requests')
    .values({
      kind: req.kind, organisation_id: req.organisationId, target_account_id: req.targetAccountId,
      detail: JSON.stringify(req.detail), reason: req.reason,
      requested_by: actorKey(ctx.actor), requested_by_account_id: who.accountId, requested_by_label: ctx.actor.label, notify_email: who.email,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendAudit(trx, {
    actor: actorForAudit(ctx.actor), action: 'approval.requested', target: { type: 'approval_request', id: row.id },
    organisationId: req.organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip,
    detail: { kind: req.kind, target: req.targetLabel, reason: req.reason, ...req.detail },
  });
  return row;
}

export async function pendingFor(db: Kysely<DB>, kind: string, targetAccountId: string): Promise<ApprovalRequest | undefined> {
  return db.selectFrom('approval_requests').selectAll()
    .where('kind', '=', kind).where('target_account_id', '=', targetAccountId).where('status', '=', 'pending')
    .executeTakeFirst();
}

/** Withdraws the pending request of this kind for this target, if any (the change it asked for is no longer wanted). */
export async function withdrawPending(trx: Kysely<DB>, kind: string, targetAccountId: string, ctx: ApprovalContext): Promise<boolean> {
  const row = await trx.updateTable('approval_requests')
    .set({ status: 'withdrawn', decided_at: new Date(), decided_by_label: ctx.actor.label, decided_by_account_id: ctx.actor.kind === 'account' ? ctx.actor.accountId : null })
    .where('kind', '=', kind).where('target_account_id', '=', targetAccountId).where('status', '=', 'pending')
    .returning(['id', 'organisation_id'])
    .executeTakeFirst();
  if (!row) return false;
  await appendAudit(trx, {
    actor: actorForAudit(ctx.actor), action: 'approval.withdrawn', target: { type: 'approval_request', id: row.id },
    organisationId: row.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { kind },
  });
  return true;
}

export type PendingApproval = ApprovalRequest & { organisation_name: string; organisation_code: string; target_email: string | null; target_name: string | null };

/** Pending requests the actor may decide (their Authorisations reach), oldest first. */
export async function listPendingApprovals(db: Kysely<DB>, actor: Actor, limit = 200): Promise<PendingApproval[]> {
  const roots = await reachableRoots(db, actor, 'approval.decide');
  if (roots !== 'everywhere' && roots.length === 0) return [];
  let q = db.selectFrom('approval_requests as r')
    .innerJoin('organisations as o', 'o.id', 'r.organisation_id')
    .leftJoin('accounts as a', 'a.id', 'r.target_account_id')
    .selectAll('r')
    .select(['o.name as organisation_name', 'o.code as organisation_code', 'a.email as target_email', 'a.display_name as target_name'])
    .where('r.status', '=', 'pending');
  if (roots !== 'everywhere') {
    q = q.where(sql<boolean>`exists (select 1 from organisation_closure c where c.descendant_id = r.organisation_id and c.ancestor_id in (${sql.join(roots)}))`);
  }
  return q.orderBy('r.requested_at').limit(limit).execute();
}

export async function findApproval(db: Kysely<DB>, id: string, opts: { forUpdate?: boolean } = {}): Promise<ApprovalRequest | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) return undefined;
  const q = db.selectFrom('approval_requests').selectAll().where('id', '=', id);
  return (opts.forUpdate ? q.forUpdate() : q).executeTakeFirst();
}
