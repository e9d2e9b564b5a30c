import type { FastifyInstance } from 'fastify';
import { lifecyclePolicy } from '../../directory/lifecycle.ts';
import { REPORTS, reportCsv, runReport } from '../../directory/reports.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

const ON_SCREEN = 500;

/** Reports over an organisation and those below it; the same rows on screen and as a CSV download. */
export function registerAdminReports(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const policy = lifecyclePolicy(ctx.settings);
  app.get<{ Params: { code: string } }>('/admin/organisations/:code/reports', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'report.read');
    return render(request, reply, 'admin/reports', { title: `Reports – ${org.name}`, nav: 'admin', org, reports: REPORTS });
  });

  app.get<{ Params: { code: string; name: string } }>('/admin/organisations/:code/reports/:name', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'report.read');
    const result = await runReport(ctx.db, request.me!.actor, org.id, request.params.name, policy);
    if ((request.query as { format?: string }).format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${org.code}-${result.report.name}-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(reportCsv(result));
    }
    return render(request, reply, 'admin/report', {
      title: `${result.report.title} – ${org.name}`, nav: 'admin', org, report: result.report,
      rows: result.rows.slice(0, ON_SCREEN), total: result.rows.length, shown: Math.min(ON_SCREEN, result.rows.length), truncated: result.truncated,
    });
  });
}
