import type { FastifyInstance } from 'fastify';
import { getAccount, STATUS_LABELS } from '../../directory/accounts.ts';
import { getOrganisation } from '../../directory/organisations.ts';
import { ROLE_LABELS } from '../../identity/roles.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

export function registerHome(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    const account = await getAccount(ctx.db, me.accountId);
    const organisation = await getOrganisation(ctx.db, account.organisation_id);
    const orgNames = new Map<string, string>();
    for (const g of me.grants) {
      if (!orgNames.has(g.organisationId)) orgNames.set(g.organisationId, (await getOrganisation(ctx.db, g.organisationId)).name);
    }
    return render(request, reply, 'home', {
      title: 'Your account',
      nav: 'home',
      account,
      organisation,
      statusLabel: STATUS_LABELS[account.status],
      roles: me.grants.map((g) => ({ label: ROLE_LABELS[g.role], organisation: orgNames.get(g.organisationId) })),
    });
  });

  app.get('/privacy', async (request, reply) => render(request, reply, 'privacy', { title: 'Transparency and fair processing' }));
}
