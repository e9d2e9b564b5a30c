import { z } from 'zod';
import { decideApproval } from '../../approvals/decide.ts';
import { APPROVAL_KINDS } from '../../approvals/kinds.ts';
import { type ApprovalRequest, listPendingApprovals } from '../../approvals/requests.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { quotaState, requestEnhancedQuota, setStandardQuota } from '../../mail/quota/enhanced-quota.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { apiRoute } from '../registry.ts';

const Id = z.object({ id: z.uuid('must be an id') });

function requestJson(r: ApprovalRequest & { target_email?: string | null }) {
  return {
    id: r.id, kind: r.kind, status: r.status, description: APPROVAL_KINDS[r.kind]?.describe(r) ?? r.kind, reason: r.reason,
    requestedBy: r.requested_by_label, requestedAt: r.requested_at, decidedBy: r.decided_by_label, decidedAt: r.decided_at, note: r.decision_note,
  };
}

/**
 * Mailbox quota (SPEC 6) and requests that need a second person (SPEC 1). A key
 * acts as a Local Administrator, so it can ask for an enhanced quota but never
 * approve one: approval is for a person holding the Authorisations role.
 */
export const approvalRoutes = [
  apiRoute({
    method: 'GET', path: '/accounts/:id/mail-quota', tag: 'Accounts', summary: "An account's mailbox quota, usage and any pending raise", params: Id,
    handler: async ({ db, actor, params }) => {
      const a = await db.selectFrom('accounts').select('organisation_id').where('id', '=', params.id).executeTakeFirst();
      if (!a) throw new NotFoundError('That account does not exist.');
      await requireAllowed(db, actor, 'account.read', { organisationId: a.organisation_id });
      const s = await quotaState(db, params.id);
      return { json: { quotaBytes: s.quotaBytes, usedBytes: s.usedBytes, messages: s.messages, level: s.level, pendingRequest: s.pending ? requestJson(s.pending) : null } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/mail-quota', tag: 'Accounts',
    summary: 'Ask for the enhanced quota (50 GB; pending until approved by the Authorisations role) or go back to the standard 4 GB (at once)',
    params: Id,
    body: z.discriminatedUnion('level', [
      z.object({ level: z.literal('enhanced'), reason: z.string().trim().min(1, 'Say why this person needs a larger mailbox').max(1000) }),
      z.object({ level: z.literal('standard') }),
    ]),
    handler: async ({ db, actor, ip, params, body }) => {
      const ctx = { actor, frontDoor: 'api' as const, ip };
      if (body.level === 'enhanced') {
        const r = await requestEnhancedQuota(db, params.id, body.reason, ctx);
        return { status: 202, json: { request: requestJson(r) } };
      }
      const done = await setStandardQuota(db, params.id, ctx);
      return { json: { level: 'standard', changed: done.changed, withdrawnRequest: done.withdrawn } };
    },
  }),
  apiRoute({
    method: 'GET', path: '/approvals', tag: 'Approvals', summary: 'Requests waiting for a second person that the caller may decide',
    handler: async ({ db, actor }) => ({ json: { requests: (await listPendingApprovals(db, actor)).map(requestJson) } }),
  }),
  ...(['approve', 'reject'] as const).map((verb) => apiRoute({
    method: 'POST', path: `/approvals/:id/${verb}`, tag: 'Approvals',
    summary: verb === 'approve' ? 'Approve a request (Authorisations role; not your own)' : 'Reject a request, saying why (Authorisations role; not your own)',
    params: Id, body: z.object({ note: z.string().max(1000).optional() }),
    handler: async ({ db, actor, ip, params, body, ctx }) => {
      const r = await decideApproval(db, ctx.notifier, params.id, { outcome: verb === 'approve' ? 'approved' : 'rejected', note: body.note }, { actor, frontDoor: 'api', ip });
      return { json: { request: requestJson(r) } };
    },
  })),
];
