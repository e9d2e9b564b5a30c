import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getBulkJob, RESULT_KEEP_HOURS, runBulkJob, startBulkJob } from '../../directory/bulk-accounts.ts';
import { authorise, NotAllowedError } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';
import { FORM_EXPIRED, readUploadedCsv } from '../plugins/upload.ts';

const UUID = /^[0-9a-f-]{36}$/i;

/**
 * Bulk create and update from CSV as a job: the upload starts it and sends the
 * person to its page, which refreshes itself (a meta refresh, so no JavaScript
 * is needed) until the job has finished, then offers the result file.
 */
export function registerAdminBulk(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get<{ Params: { code: string } }>('/admin/organisations/:code/bulk', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.import');
    return render(request, reply, 'admin/bulk', { title: 'Create and update accounts from a file', nav: 'admin', org });
  });

  app.post<{ Params: { code: string } }>('/admin/organisations/:code/bulk', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.import');
    const csv = await readUploadedCsv(request);
    if (csv === null) return render(request, reply, 'error', FORM_EXPIRED, 403);
    if (!csv.trim()) {
      const errors = [{ text: 'Choose a CSV file of accounts to upload', href: '#file' }];
      return render(request, reply, 'admin/bulk', { title: 'Create and update accounts from a file', nav: 'admin', org, errors, fieldErrors: { file: errors[0] } }, 400);
    }
    const c = { actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip, domain: ctx.settings.domain };
    const jobId = await startBulkJob(ctx.db, org.id, c);
    // The job carries on after this answer; its page shows how far it has got.
    void runBulkJob(ctx.db, jobId, org.id, csv, c).catch((err) => request.log.error({ err, jobId }, 'bulk job failed'));
    return reply.redirect(`/admin/bulk/${jobId}`, 303);
  });

  async function jobInScope(request: FastifyRequest<{ Params: { id: string } }>) {
    if (!UUID.test(request.params.id)) throw new NotFoundError('There is no such job.');
    const job = await getBulkJob(ctx.db, request.params.id);
    if (!job) throw new NotFoundError('There is no such job.');
    if (!(await authorise(ctx.db, request.me!.actor, 'account.import', { organisationId: job.organisation_id })).allowed) throw new NotAllowedError('This job belongs to an organisation you do not administer.');
    return job;
  }

  app.get<{ Params: { id: string } }>('/admin/bulk/:id', { preHandler: requireSignIn }, async (request, reply) => {
    const job = await jobInScope(request);
    const running = job.state === 'checking' || job.state === 'writing';
    return render(request, reply, 'admin/bulk-job', {
      title: running ? 'Working on your file' : 'Your file', nav: 'admin', job, running, keepHours: RESULT_KEEP_HOURS,
      percent: job.total_rows ? Math.floor((100 * job.done_rows) / job.total_rows) : 0,
    });
  });

  app.get<{ Params: { id: string } }>('/admin/bulk/:id/result.csv', { preHandler: requireSignIn }, async (request, reply) => {
    const job = await jobInScope(request);
    if (!job.result_csv) throw new NotFoundError(`The result file is kept for ${RESULT_KEEP_HOURS} hours after the job ends, and this one is no longer available.`);
    return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store').header('content-disposition', `attachment; filename="accounts-${job.organisation_code}-${job.id.slice(0, 8)}.csv"`).send(job.result_csv);
  });
}
