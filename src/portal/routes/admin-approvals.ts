import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decideApproval } from '../../approvals/decide.ts';
import { APPROVAL_KINDS } from '../../approvals/kinds.ts';
import { listPendingApprovals } from '../../approvals/requests.ts';
import { authorise, NotAllowedError, reachableRoots } from '../../identity/authorise.ts';
import { quotaState, requestEnhancedQuota, setStandardQuota } from '../../mail/quota/enhanced-quota.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

type IdParams = { Params: { id: string } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GB`;
const day = (d: Date) => d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });

/**
 * An account's mailbox size (SPEC 6) and the list of requests waiting for a
 * second person (SPEC 1, Authorisations). The rules are in mail/quota and
 * approvals; these routes only translate.
 */
export function registerAdminApprovals(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function account(id: string) {
    if (!UUID.test(id)) throw new NotFoundError('That account does not exist.');
    const a = await ctx.db.selectFrom('accounts as a').innerJoin('organisations as o', 'o.id', 'a.organisation_id')
      .select(['a.id', 'a.email', 'a.display_name', 'a.organisation_id', 'o.name as organisation_name'])
      .where('a.id', '=', id).executeTakeFirst();
    if (!a) throw new NotFoundError('That account does not exist.');
    return a;
  }

  async function mailboxPage(request: FastifyRequest<IdParams>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const a = await account(request.params.id);
    const canChange = (await authorise(ctx.db, request.me!.actor, 'mail.quota', { organisationId: a.organisation_id })).allowed;
    if (!canChange && !(await authorise(ctx.db, request.me!.actor, 'account.read', { organisationId: a.organisation_id })).allowed) {
      throw new NotAllowedError('You do not have permission to see this account.');
    }
    const s = await quotaState(ctx.db, a.id);
    const notice = ({ asked: 'The request is waiting for approval by someone with the Authorisations role.', lowered: 'The mailbox is back to the standard size.', withdrawn: 'The request for the enhanced quota is withdrawn.' } as Record<string, string>)[(request.query as { done?: string }).done ?? ''];
    return render(request, reply, 'admin/account-mailbox', {
      title: `Mailbox size – ${a.display_name}`, nav: 'admin', account: a, canChange, notice,
      used: gb(s.usedBytes), quota: gb(s.quotaBytes), percent: s.quotaBytes ? Math.min(100, Math.round((s.usedBytes / s.quotaBytes) * 100)) : 100,
      level: s.level, pending: s.pending ? { ...s.pending, when: day(s.pending.requested_at) } : null, values: {}, ...extra,
    }, status);
  }

  app.get<IdParams>('/admin/accounts/:id/mailbox', { preHandler: requireSignIn }, (request, reply) => mailboxPage(request, reply));

  app.post<IdParams>('/admin/accounts/:id/mailbox/enhanced', { preHandler: requireSignIn }, async (request, reply) => {
    const a = await account(request.params.id);
    const reason = String((request.body as Record<string, unknown>)?.reason ?? '').trim();
    if (!reason) {
      const errors = [{ text: 'Say why this person needs a larger mailbox', href: '#reason' }];
      return mailboxPage(request, reply, { errors, fieldErrors: { reason: errors[0] } }, 400);
    }
    try {
      await requestEnhancedQuota(ctx.db, a.id, reason, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return mailboxPage(request, reply, { errors: [{ text: err.message, href: '#reason' }] }, 409);
    }
    return reply.redirect(`/admin/accounts/${a.id}/mailbox?done=asked`, 303);
  });

  app.post<IdParams>('/admin/accounts/:id/mailbox/standard', { preHandler: requireSignIn }, async (request, reply) => {
    const a = await account(request.params.id);
    const done = await setStandardQuota(ctx.db, a.id, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/accounts/${a.id}/mailbox?done=${done.changed ? 'lowered' : 'withdrawn'}`, 303);
  });

  async function approvalsPage(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const scope = await reachableRoots(ctx.db, request.me!.actor, 'approval.decide');
    if (scope !== 'everywhere' && scope.length === 0) throw new NotAllowedError('Only people with the Authorisations role can see requests waiting for approval.');
    const rows = (await listPendingApprovals(ctx.db, request.me!.actor)).map((r) => ({
      ...r, title: APPROVAL_KINDS[r.kind]?.title ?? r.kind, description: APPROVAL_KINDS[r.kind]?.describe(r) ?? '', when: day(r.requested_at),
      own: r.requested_by === `account:${request.me!.accountId}` || r.target_account_id === request.me!.accountId,
    }));
    const done = (request.query as { done?: string }).done;
    return render(request, reply, 'admin/approvals', {
      title: 'Requests waiting for approval', nav: 'admin', rows,
      notice: done === 'approved' ? 'Approved. The change applies now and the requester has been emailed.' : done === 'rejected' ? 'Rejected. The requester has been emailed the reason.' : undefined,
      ...extra,
    }, status);
  }

  app.get('/admin/approvals', { preHandler: requireSignIn }, (request, reply) => approvalsPage(request, reply));

  for (const outcome of ['approved', 'rejected'] as const) {
    app.post<IdParams>(`/admin/approvals/:id/${outcome === 'approved' ? 'approve' : 'reject'}`, { preHandler: requireSignIn }, async (request, reply) => {
      const note = String((request.body as Record<string, unknown>)?.note ?? '');
      try {
        await decideApproval(ctx.db, ctx.notifier, request.params.id, { outcome, note }, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
      } catch (err) {
        if (err instanceof ValidationError) {
          const errors = [{ text: err.problems[0].message, href: `#note-${request.params.id}` }];
          return approvalsPage(request, reply, { errors, noteErrorFor: request.params.id, noteError: errors[0] }, 400);
        }
        if (err instanceof ConflictError) return approvalsPage(request, reply, { errors: [{ text: err.message, href: '#requests' }] }, 409);
        throw err;
      }
      return reply.redirect(`/admin/approvals?done=${outcome}`, 303);
    });
  }
}
