import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAllowed } from '../../identity/authorise.ts';
import { addKnownSender, listKnownSenders, spoofingReport, spoofingReportCsv } from '../../mail/secure/spoofing.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** The spoofing report (SPEC 7): top sources of mail refused as spoofing, weekly counts, CSV; and the known senders that name them. */
function weeksParam(request: FastifyRequest): number {
  const n = Number((request.query as { weeks?: string }).weeks ?? 8);
  return Number.isInteger(n) && n >= 1 && n <= 52 ? n : 8;
}

export function registerAdminSpoofing(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function page(request: FastifyRequest, values: Record<string, unknown> = {}) {
    const report = await spoofingReport(ctx.db, { weeks: weeksParam(request) });
    return {
      title: 'Spoofing report', nav: 'admin', report, weeks: report.weeks.map((w) => w.toISOString().slice(0, 10)),
      known: await listKnownSenders(ctx.db), ...values,
    };
  }

  app.get('/admin/secure/spoofing', { preHandler: requireSignIn }, async (request, reply) => {
    await requireAllowed(ctx.db, request.me!.actor, 'secure.manage', null);
    return render(request, reply, 'admin/secure-spoofing', await page(request, { notice: (request.query as { added?: string }).added ? 'The known sender has been added.' : undefined }));
  });

  app.get('/admin/secure/spoofing.csv', { preHandler: requireSignIn }, async (request, reply) => {
    await requireAllowed(ctx.db, request.me!.actor, 'secure.manage', null);
    const csv = spoofingReportCsv(await spoofingReport(ctx.db, { weeks: weeksParam(request) }));
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="spoofing-report.csv"').send(csv);
  });

  app.post('/admin/secure/known-senders', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    try {
      await addKnownSender(ctx.db, { organisation: String(body.organisation ?? ''), match: String(body.match ?? '') }, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const errors = err.problems.map((p) => ({ text: p.message, href: `#${p.field}` }));
      return render(request, reply, 'admin/secure-spoofing', await page(request, { errors, fieldErrors: Object.fromEntries(err.problems.map((p, i) => [p.field, errors[i]])) }), 400);
    }
    return reply.redirect('/admin/secure/spoofing?added=1', 303);
  });
}
