import type { FastifyInstance } from 'fastify';
import { secureMailOptions } from '../../mail/secure/options.ts';
import { listSentSecureMessages, revokeSecureMessage } from '../../mail/secure/secure-messages.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** "Secure messages you sent": whether each was read, and revoking one (SPEC 7). */
const when = (d: Date | null) => (d ? d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }) : '');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function registerSecureSent(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/secure/sent', { preHandler: requireSignIn }, async (request, reply) => {
    const list = await listSentSecureMessages(ctx.db, request.me!.accountId, secureMailOptions(ctx.settings).keyring);
    const rows = list.map((m) => ({
      ...m, sent: when(m.sentAt), expires: when(m.expiresAt), read: m.firstReadAt ? `Read ${when(m.lastReadAt)}${m.readCount > 1 ? ` (${m.readCount} times)` : ''}` : 'Not read yet',
      stateText: m.state === 'readable' ? 'Can be read' : m.state === 'revoked' ? 'Withdrawn' : 'Expired',
    }));
    const revoked = (request.query as { revoked?: string }).revoked;
    reply.header('cache-control', 'no-store');
    return render(request, reply, 'secure/sent', { title: 'Secure messages you sent', nav: 'home', rows, notice: revoked ? 'The message has been withdrawn. The recipient can no longer read it.' : undefined });
  });

  app.post<{ Params: { id: string } }>('/secure/sent/:id/revoke', { preHandler: requireSignIn }, async (request, reply) => {
    if (!UUID.test(request.params.id)) throw new NotFoundError('That secure message does not exist, or you did not send it.');
    await revokeSecureMessage(ctx.db, request.me!.accountId, request.params.id, { ip: request.ip });
    return reply.redirect('/secure/sent?revoked=1', 303);
  });
}
