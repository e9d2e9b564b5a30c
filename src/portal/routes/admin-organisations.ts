import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listAccounts } from '../../directory/accounts.ts';
import { findOrganisationByCode, listSubtree, listUnits, type OrganisationRow } from '../../directory/organisations.ts';
import { authorise, type Action, NotAllowedError } from '../../identity/authorise.ts';
import { ROLE_LABELS } from '../../identity/roles.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** Finds the organisation named in the URL and checks the signed-in person may do `action` there. */
export async function organisationInScope(ctx: PortalContext, request: FastifyRequest, code: string, action: Action): Promise<OrganisationRow> {
  const org = await findOrganisationByCode(ctx.db, code);
  if (!org) throw new NotFoundError(`There is no organisation with code ${code}.`);
  const decision = await authorise(ctx.db, request.me!.actor, action, { organisationId: org.id });
  if (!decision.allowed) throw new NotAllowedError(decision.reason);
  return org;
}

export function registerAdminOrganisations(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/admin', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    if (!me.isAdmin) throw new NotAllowedError('Only administrators can use this page.');
    const seen = new Set<string>();
    const organisations = [];
    for (const g of me.grants) {
      if (seen.has(g.organisationId)) continue;
      seen.add(g.organisationId);
      const org = await ctx.db.selectFrom('organisations').select(['code', 'name', 'type']).where('id', '=', g.organisationId).executeTakeFirstOrThrow();
      organisations.push({ ...org, roles: me.grants.filter((x) => x.organisationId === g.organisationId).map((x) => ROLE_LABELS[x.role]).join(', ') });
    }
    const q = ((request.query as { code?: string }).code ?? '').trim();
    if (q) return reply.redirect(`/admin/organisations/${encodeURIComponent(q.toUpperCase())}`, 303);
    return render(request, reply, 'admin/index', { title: 'Administration', nav: 'admin', organisations });
  });

  app.get<{ Params: { code: string } }>('/admin/organisations/:code', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'organisation.read');
    const subtree = await listSubtree(ctx.db, org.id);
    const parent = org.parent_id ? await ctx.db.selectFrom('organisations').select(['code', 'name']).where('id', '=', org.parent_id).executeTakeFirst() : null;
    const units = await listUnits(ctx.db, org.id);
    const { total } = await listAccounts(ctx.db, org.id, { limit: 1 });
    const canCreate = (await authorise(ctx.db, request.me!.actor, 'account.create', { organisationId: org.id })).allowed;
    return render(request, reply, 'admin/organisation', {
      title: org.name,
      nav: 'admin',
      org,
      parent,
      children: subtree.filter((o) => o.depth === 1),
      descendants: subtree.length - 1,
      units,
      accountCount: total,
      canCreate: canCreate && org.status === 'open',
    });
  });
}
