import type { FastifyInstance } from 'fastify';
import { describeDevice, endEverySession, endOwnSession, listSessions } from '../../identity/session-list.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn, SESSION_COOKIE } from '../plugins/session.ts';

const when = (d: Date) => d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });

/** /account/sessions: where the person is signed in; sign out of one, or everywhere. */
export function registerAccountSessions(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/account/sessions', { preHandler: requireSignIn }, async (request, reply) => {
    const sessions = await listSessions(ctx.db, request.me!.accountId, request.session?.idHash ?? null);
    const ended = (request.query as { ended?: string }).ended === '1';
    return render(request, reply, 'account/sessions', {
      title: 'Where you are signed in',
      nav: 'account',
      notice: ended ? 'That session has ended. Anyone using it must sign in again.' : undefined,
      sessions: sessions.map((s) => ({ ...s, device: describeDevice(s.userAgent), started: when(s.createdAt), lastSeen: when(s.lastSeenAt) })),
    });
  });

  app.post<{ Params: { id: string } }>('/account/sessions/:id/end', { preHandler: requireSignIn }, async (request, reply) => {
    const id = request.params.id;
    if (!/^[0-9a-f]{64}$/.test(id)) return reply.redirect('/account/sessions', 303);
    await endOwnSession(ctx.db, request.me!.accountId, id, { frontDoor: 'portal', ip: request.ip });
    if (id === request.session?.idHash) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/sign-in', 303);
    }
    return reply.redirect('/account/sessions?ended=1', 303);
  });

  app.post('/account/sessions/end-all', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    await endEverySession(ctx.db, me.accountId, { frontDoor: 'portal', ip: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    request.me = null;
    request.session = null;
    return render(request, reply, 'account/signed-out-everywhere', { title: 'You have signed out everywhere' });
  });
}
