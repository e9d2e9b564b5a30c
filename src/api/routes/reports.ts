import { z } from 'zod';
import { lifecyclePolicy } from '../../directory/lifecycle.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { REPORTS, reportCsv, runReport } from '../../directory/reports.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { apiRoute } from '../registry.ts';

export const reportRoutes = [
  apiRoute({
    method: 'GET', path: '/organisations/:code/reports/:name', tag: 'Reports', csv: true,
    summary: `A report over the organisation and those below it (${REPORTS.map((r) => r.name).join(', ')}); ?format=csv or Accept: text/csv for CSV`,
    params: z.object({ code: z.string().trim().min(1).max(20), name: z.enum(REPORTS.map((r) => r.name) as [string, ...string[]]) }),
    query: z.object({ format: z.enum(['json', 'csv']).optional() }),
    handler: async ({ db, actor, params, ctx }) => {
      const org = await findOrganisationByCode(db, params.code);
      if (!org) throw new NotFoundError(`There is no organisation with code ${params.code.toUpperCase()}.`);
      const r = await runReport(db, actor, org.id, params.name, lifecyclePolicy(ctx.settings));
      return { json: { report: r.report.name, columns: r.report.columns, rows: r.rows, truncated: r.truncated }, csv: reportCsv(r), filename: `${org.code}-${r.report.name}.csv` };
    },
  }),
];
