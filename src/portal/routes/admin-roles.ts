import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findAccountByEmail } from '../../directory/accounts.ts';
import { grantableRoles, roleHolders } from '../../directory/role-holders.ts';
import { grantRole, removeRole } from '../../identity/role-grants.ts';
import { ROLE_LABELS } from '../../identity/roles.ts';
import { type FieldProblem, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

type CodeParams = { Params: { code: string } };

/** Administrator roles at one organisation: Local Primary Administrators make and remove LAs and helpdesk here. */
export function registerAdminRoles(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function page(request: FastifyRequest<CodeParams>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const org = await organisationInScope(ctx, request, request.params.code, 'organisation.read');
    const grantable = await grantableRoles(ctx.db, request.me!.actor, org.id);
    return render(request, reply, 'admin/roles', {
      title: `Administrator roles – ${org.name}`, nav: 'admin', org, holders: await roleHolders(ctx.db, org.id),
      grantable: grantable.map((r) => ({ value: r, text: ROLE_LABELS[r] })), values: {}, ...extra,
    }, status);
  }

  async function change(request: FastifyRequest<CodeParams>, reply: FastifyReply, which: 'grant' | 'remove') {
    const org = await organisationInScope(ctx, request, request.params.code, 'organisation.read');
    const body = (request.body ?? {}) as Record<string, string>;
    try {
      const account = await findAccountByEmail(ctx.db, body.email ?? '');
      if (!account) throw new ValidationError([{ field: 'email', message: 'There is no account with that email address. Check it in People Finder.' }]);
      const args = { accountId: account.id, organisationId: org.id, role: body.role ?? '' };
      const c = { actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip };
      if (which === 'grant') await grantRole(ctx.db, args, c);
      else await removeRole(ctx.db, args, c);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const problems: FieldProblem[] = err.problems;
      return page(request, reply, { values: body, errors: errorSummary(problems), fieldErrors: fieldErrors(problems) }, 400);
    }
    return reply.redirect(`/admin/organisations/${org.code}/roles`, 303);
  }

  app.get<CodeParams>('/admin/organisations/:code/roles', { preHandler: requireSignIn }, (request, reply) => page(request, reply));
  app.post<CodeParams>('/admin/organisations/:code/roles', { preHandler: requireSignIn }, (request, reply) => change(request, reply, 'grant'));
  app.post<CodeParams>('/admin/organisations/:code/roles/remove', { preHandler: requireSignIn }, (request, reply) => change(request, reply, 'remove'));
}
