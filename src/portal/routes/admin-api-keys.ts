import type { FastifyInstance } from 'fastify';
import { createApiKey, listApiKeys, revokeApiKey } from '../../directory/api-keys.ts';
import { authorise } from '../../identity/authorise.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

type CodeParams = { Params: { code: string } };

/** An organisation's API keys: made here, shown once, revocable. */
export function registerAdminApiKeys(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const page = async (request: Parameters<typeof organisationInScope>[1], code: string) => {
    const org = await organisationInScope(ctx, request, code, 'apikey.manage');
    const actor = request.me!.actor;
    const mayMakePrimary = (await authorise(ctx.db, actor, 'role.grant_local', { organisationId: org.id })).allowed;
    return { org, keys: await listApiKeys(ctx.db, org.id, actor), mayMakePrimary, title: `API keys – ${org.name}`, nav: 'admin' };
  };

  app.get<CodeParams>('/admin/organisations/:code/api-keys', { preHandler: requireSignIn }, async (request, reply) =>
    render(request, reply, 'admin/api-keys', { ...(await page(request, request.params.code)), values: {} }));

  app.post<CodeParams>('/admin/organisations/:code/api-keys', { preHandler: requireSignIn }, async (request, reply) => {
    const base = await page(request, request.params.code);
    const body = request.body as { name?: string; level?: string } | undefined;
    const name = String(body?.name ?? '');
    const level = body?.level ? String(body.level) : undefined;
    try {
      const created = await createApiKey(ctx.db, { organisationId: base.org.id, name, level }, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
      return render(request, reply, 'admin/api-keys', { ...(await page(request, request.params.code)), created: { name: name.trim(), token: created.token, level: created.level }, values: {} }, 201);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'admin/api-keys', { ...base, values: { name, level }, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
  });

  app.post<{ Params: { code: string; id: string } }>('/admin/organisations/:code/api-keys/:id/revoke', { preHandler: requireSignIn }, async (request, reply) => {
    const { org, keys } = await page(request, request.params.code);
    if (!keys.some((k) => k.id === request.params.id)) return reply.callNotFound();
    await revokeApiKey(ctx.db, request.params.id, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/organisations/${org.code}/api-keys`, 303);
  });
}
