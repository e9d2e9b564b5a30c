import { z } from 'zod';
import { getBulkJob, runBulkJob, startBulkJob } from '../../directory/bulk-accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { type ApiCall, apiRoute } from '../registry.ts';

const TAG = 'Bulk accounts';

async function jobInScope(call: ApiCall<{ id: string }, unknown, unknown>) {
  const job = await getBulkJob(call.db, call.params.id);
  if (!job) throw new NotFoundError('There is no such job.');
  await requireAllowed(call.db, call.actor, 'account.import', { organisationId: job.organisation_id });
  return job;
}

export const bulkRoutes = [
  apiRoute({
    method: 'POST', path: '/organisations/:code/bulk-accounts', tag: TAG,
    summary: 'Create and update accounts from CSV (same columns as the Portal; ExternalSyncID matches existing accounts). Answers 202 with the job to follow',
    params: z.object({ code: z.string().trim().min(1).max(20) }),
    body: z.object({ csv: z.string().min(1, 'Send the CSV text in "csv"').max(20 * 1024 * 1024) }),
    handler: async (call) => {
      const org = await findOrganisationByCode(call.db, call.params.code);
      if (!org) throw new NotFoundError(`There is no organisation with code ${call.params.code.toUpperCase()}.`);
      const c = { actor: call.actor, frontDoor: 'api' as const, ip: call.ip, domain: call.ctx.settings.domain };
      const jobId = await startBulkJob(call.db, org.id, c);
      void runBulkJob(call.db, jobId, org.id, call.body.csv, c).catch((err) => call.ctx.log.error({ err, jobId }, 'bulk job failed'));
      return { status: 202, json: { jobId, status: `/api/v1/bulk-jobs/${jobId}` } };
    },
  }),
  apiRoute({
    method: 'GET', path: '/bulk-jobs/:id', tag: TAG, summary: "A bulk job's state, progress and, if rejected, every problem by line", params: z.object({ id: z.uuid() }),
    handler: async (call) => {
      const j = await jobInScope(call);
      return { json: { id: j.id, state: j.state, totalRows: j.total_rows, doneRows: j.done_rows, created: j.created_count, updated: j.updated_count, problems: j.problems, resultAvailable: Boolean(j.result_csv) } };
    },
  }),
  apiRoute({
    method: 'GET', path: '/bulk-jobs/:id/result', tag: TAG, csv: true, summary: 'The result file (CSV: line, action, email, temporary_password), kept for 24 hours',
    params: z.object({ id: z.uuid() }),
    handler: async (call) => {
      const j = await jobInScope(call);
      if (!j.result_csv) throw new NotFoundError('This job has no result file (it is not finished, was rejected, or is more than 24 hours old).');
      return { json: { csv: j.result_csv }, csv: j.result_csv, filename: `accounts-${j.id.slice(0, 8)}.csv` };
    },
  }),
];
