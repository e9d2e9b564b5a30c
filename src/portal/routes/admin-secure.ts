import type { FastifyInstance } from 'fastify';
import { requireAllowed } from '../../identity/authorise.ts';
import { ALERT_LEVELS, getAlertLevel, setAlertLevel } from '../../mail/secure/national-settings.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** Secure messaging for Global Admins: the national alert level and the way to the other pages. */
export function registerAdminSecure(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/admin/secure', { preHandler: requireSignIn }, async (request, reply) => {
    await requireAllowed(ctx.db, request.me!.actor, 'secure.manage', null);
    const saved = (request.query as { saved?: string }).saved;
    return render(request, reply, 'admin/secure', { title: 'Secure messaging', nav: 'admin', level: await getAlertLevel(ctx.db), levels: ALERT_LEVELS, notice: saved ? 'The alert level has been changed.' : undefined });
  });

  app.post('/admin/secure/alert-level', { preHandler: requireSignIn }, async (request, reply) => {
    const level = String((request.body as Record<string, string>)?.level ?? '');
    try {
      await setAlertLevel(ctx.db, level, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const errors = [{ text: 'Choose High or Reduced', href: '#level' }];
      return render(request, reply, 'admin/secure', { title: 'Secure messaging', nav: 'admin', level: await getAlertLevel(ctx.db), levels: ALERT_LEVELS, errors, fieldErrors: { level: errors[0] } }, 400);
    }
    return reply.redirect('/admin/secure?saved=1', 303);
  });
}
