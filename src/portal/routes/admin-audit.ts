import type { FastifyInstance } from 'fastify';
import { listAuditEntries } from '../../audit/queries.ts';
import { NotAllowedError, reachableRoots } from '../../identity/authorise.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

export function registerAdminAudit(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/admin/audit', { preHandler: requireSignIn }, async (request, reply) => {
    const scope = await reachableRoots(ctx.db, request.me!.actor, 'audit.read');
    if (scope !== 'everywhere' && scope.length === 0) throw new NotAllowedError('Only administrators and auditors can read the audit trail.');
    const q = request.query as { before?: string; action?: string };
    const before = q.before && /^\d+$/.test(q.before) ? q.before : undefined;
    const action = q.action && /^[a-z_.]+$/.test(q.action) ? q.action : undefined;
    const entries = await listAuditEntries(ctx.db, scope, { limit: 100, beforeSeq: before, action });
    const last = entries.at(-1);
    return render(request, reply, 'admin/audit', {
      title: 'Audit trail',
      nav: 'admin',
      entries: entries.map((e) => ({ ...e, detailText: JSON.stringify(e.detail) })),
      action,
      older: entries.length === 100 && last ? `/admin/audit?before=${last.seq}${action ? `&action=${action}` : ''}` : null,
    });
  });
}
