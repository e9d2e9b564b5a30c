import type { FastifyInstance } from 'fastify';
import type { PortalContext } from '../context.ts';

export function registerHealth(app: FastifyInstance, ctx: PortalContext): void {
  app.get('/healthz', async (_request, reply) => {
    const ok = await ctx.databaseAnswers();
    return reply.code(ok ? 200 : 503).header('cache-control', 'no-store').send(ok ? { status: 'ok' } : { status: 'unavailable', reason: 'The database does not answer.' });
  });
}
