import type { FastifyInstance } from 'fastify';
import { readOutbox } from '../../notify/notifier.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';

/**
 * /dev/outbox: every email and text message the development outbox kept, so a
 * developer can read the codes and reminders. Demo mode only: otherwise the
 * page does not exist.
 */
export function registerDevOutbox(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  if (!ctx.settings.demo) return;
  app.get('/dev/outbox', async (request, reply) => {
    const q = request.query as { to?: string };
    const to = q.to?.trim().slice(0, 254) || undefined;
    const messages = await readOutbox(ctx.db, { recipient: to, limit: 100 });
    return render(request, reply, 'dev/outbox', {
      title: 'Development outbox',
      to,
      messages: messages.map((m) => ({ ...m, at: m.created_at.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/London' }) })),
    });
  });
}
