import type { FastifyInstance } from 'fastify';
import { approvalRequiredFor, setApprovalRequired, setSenderApproved } from '../../mail/secure/sender-approval.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

/**
 * An organisation's LAs decide whether its people need approval before they
 * send encrypted mail to outside addresses, and approve them (SPEC 7).
 */
type CodeParams = { Params: { code: string } };

export function registerAdminSecureSenders(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get<CodeParams>('/admin/organisations/:code/secure-senders', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'secure.approve_senders');
    const own = await ctx.db.selectFrom('secure_org_policies').select('approval_required').where('organisation_id', '=', org.id).executeTakeFirst();
    const inherited = !own?.approval_required && (await approvalRequiredFor(ctx.db, org.id));
    const people = await ctx.db
      .selectFrom('accounts as a')
      .leftJoin('secure_sender_approvals as s', 's.account_id', 'a.id')
      .select(['a.id', 'a.email', 'a.display_name', 's.approved_at', 's.approved_by'])
      .where('a.organisation_id', '=', org.id)
      .where('a.status', 'in', ['active', 'leaver', 'inactive', 'locked', 'disabled'])
      .orderBy('a.display_name')
      .limit(500)
      .execute();
    const done = (request.query as { done?: string }).done;
    return render(request, reply, 'admin/secure-senders', {
      title: `Secure messaging – ${org.name}`, nav: 'admin', org, required: Boolean(own?.approval_required), inherited, people,
      notice: done === 'policy' ? 'The setting has been saved.' : done === 'approved' ? 'The person can now send encrypted mail.' : done === 'withdrawn' ? 'The approval has been withdrawn.' : undefined,
    });
  });

  app.post<CodeParams>('/admin/organisations/:code/secure-senders/policy', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'secure.approve_senders');
    const required = (request.body as Record<string, string>)?.required === 'yes';
    await setApprovalRequired(ctx.db, org.id, required, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/organisations/${encodeURIComponent(org.code)}/secure-senders?done=policy`, 303);
  });

  app.post<{ Params: { code: string; id: string } }>('/admin/organisations/:code/secure-senders/:id', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'secure.approve_senders');
    const account = await ctx.db.selectFrom('accounts').select('id').where('organisation_id', '=', org.id).where('id', '=', /^[0-9a-f-]{36}$/.test(request.params.id) ? request.params.id : '00000000-0000-0000-0000-000000000000').executeTakeFirst();
    if (!account) throw new NotFoundError('That account is not in this organisation.');
    const approve = (request.body as Record<string, string>)?.approve === 'yes';
    await setSenderApproved(ctx.db, account.id, approve, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/organisations/${encodeURIComponent(org.code)}/secure-senders?done=${approve ? 'approved' : 'withdrawn'}`, 303);
  });
}
