import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { NotAllowedError, requireAllowed } from '../identity/authorise.ts';
import type { Notifier } from '../notify/notifier.ts';
import { NotFoundError, ValidationError, ConflictError } from '../shared/errors.ts';
import { APPROVAL_KINDS } from './kinds.ts';
import { type ApprovalContext, type ApprovalRequest, actorKey, findApproval } from './requests.ts';

export type Decision = { outcome: 'approved' | 'rejected'; note?: string };

/**
 * An Authorisations holder approves or rejects a pending request. The second
 * person must really be second: not whoever asked, and not the person the
 * change is for. On approval the change is made in the same transaction; the
 * requester is emailed the outcome once it has committed.
 */
export async function decideApproval(db: Kysely<DB>, notifier: Notifier, id: string, decision: Decision, ctx: ApprovalContext): Promise<ApprovalRequest> {
  const note = (decision.note ?? '').trim().slice(0, 1000);
  const { request, targetEmail } = await db.transaction().execute(async (trx) => {
    const r = await findApproval(trx, id, { forUpdate: true });
    if (!r) throw new NotFoundError('That approval request does not exist.');
    if (r.status !== 'pending') throw new ConflictError(`That request has already been ${r.status}${r.decided_by_label ? ` by ${r.decided_by_label}` : ''}.`);
    if (ctx.actor.kind === 'api_key') {
      throw new NotAllowedError('An API key acts as a Local Administrator, so it can ask but not approve. Someone with the Authorisations role decides in the Portal (Administration → Requests waiting for approval).');
    }
    await requireAllowed(trx, ctx.actor, 'approval.decide', { organisationId: r.organisation_id });
    if (actorKey(ctx.actor) === r.requested_by) {
      throw new NotAllowedError('You asked for this change, so someone else with the Authorisations role must approve or reject it.');
    }
    if (ctx.actor.kind === 'account' && ctx.actor.accountId === r.target_account_id) {
      throw new NotAllowedError('This change is for your own account, so someone else with the Authorisations role must decide it.');
    }
    if (decision.outcome === 'rejected' && !note) throw new ValidationError([{ field: 'note', message: 'Say why the request is rejected: the requester is told' }]);
    const kind = APPROVAL_KINDS[r.kind];
    if (!kind) throw new Error(`No handler for approval requests of kind ${r.kind}.`);
    if (decision.outcome === 'approved') await kind.apply(trx, r, ctx);
    const decided = await trx.updateTable('approval_requests')
      .set({
        status: decision.outcome, decided_at: new Date(), decision_note: note || null, decided_by_label: ctx.actor.label,
        decided_by_account_id: ctx.actor.kind === 'account' ? ctx.actor.accountId : null,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const target = r.target_account_id ? await trx.selectFrom('accounts').select('email').where('id', '=', r.target_account_id).executeTakeFirst() : undefined;
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: `approval.${decision.outcome}`, target: { type: 'approval_request', id },
      organisationId: r.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip,
      detail: { kind: r.kind, requestedBy: r.requested_by_label, target: target?.email ?? null, note: note || undefined },
    });
    return { request: decided, targetEmail: target?.email ?? null };
  });
  if (request.notify_email) {
    const { subject, text } = APPROVAL_KINDS[request.kind].outcomeNotice(request, decision.outcome, targetEmail);
    await notifier.email({ to: request.notify_email, subject, text, purpose: `approval_${decision.outcome}`, accountId: request.requested_by_account_id });
  }
  return request;
}
