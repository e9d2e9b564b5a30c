import type { FastifyInstance } from 'fastify';
import { importAccountsCsv } from '../../directory/account-import.ts';
import { createAccount, listAccounts, STATUS_LABELS } from '../../directory/accounts.ts';
import { listUnits } from '../../directory/organisations.ts';
import { authorise } from '../../identity/authorise.ts';
import { ImportRejectedError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';
import { FORM_EXPIRED, readUploadedCsv } from '../plugins/upload.ts';

type CodeParams = { Params: { code: string } };
const PAGE_SIZE = 50;

export function registerAdminAccounts(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get<CodeParams>('/admin/organisations/:code/accounts', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.list');
    const query = request.query as { page?: string; children?: string };
    const page = Math.max(1, Number.parseInt(query.page ?? '1', 10) || 1);
    const includeChildren = query.children === '1';
    const { total, rows } = await listAccounts(ctx.db, org.id, { includeChildren, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const canCreate = (await authorise(ctx.db, request.me!.actor, 'account.create', { organisationId: org.id })).allowed;
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (p: number) => `/admin/organisations/${org.code}/accounts?page=${p}${includeChildren ? '&children=1' : ''}`;
    return render(request, reply, 'admin/accounts', {
      title: `Accounts – ${org.name}`,
      nav: 'admin',
      org,
      total,
      rows: rows.map((r) => ({ ...r, statusLabel: STATUS_LABELS[r.status] })),
      includeChildren,
      canCreate: canCreate && org.status === 'open',
      page,
      pages,
      previous: page > 1 ? link(page - 1) : null,
      next: page < pages ? link(page + 1) : null,
    });
  });

  app.get<CodeParams>('/admin/organisations/:code/accounts/new', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.create');
    return render(request, reply, 'admin/account-new', { title: 'Create an account', nav: 'admin', org, values: {}, units: await listUnits(ctx.db, org.id) });
  });

  app.post<CodeParams>('/admin/organisations/:code/accounts', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.create');
    const body = (request.body ?? {}) as Record<string, string>;
    const values = { ...body, organisationCode: org.code };
    try {
      const created = await createAccount(ctx.db, values, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip, domain: ctx.settings.domain });
      return render(request, reply, 'admin/account-created', { title: 'Account created', nav: 'admin', org, created }, 201);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'admin/account-new', {
        title: 'Create an account', nav: 'admin', org, values: body, units: await listUnits(ctx.db, org.id),
        errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems),
      }, 400);
    }
  });

  app.get<CodeParams>('/admin/organisations/:code/accounts/import', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.import');
    return render(request, reply, 'admin/account-import', { title: 'Create accounts from a file', nav: 'admin', org });
  });

  app.post<CodeParams>('/admin/organisations/:code/accounts/import', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'account.import');
    const csv = await readUploadedCsv(request);
    if (csv === null) return render(request, reply, 'error', FORM_EXPIRED, 403);
    if (!csv.trim()) {
      const errors = [{ text: 'Choose a CSV file of accounts to upload', href: '#file' }];
      return render(request, reply, 'admin/account-import', { title: 'Create accounts from a file', nav: 'admin', org, errors, fieldErrors: { file: errors[0] } }, 400);
    }
    try {
      const created = await importAccountsCsv(ctx.db, csv, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip, domain: ctx.settings.domain });
      return render(request, reply, 'admin/account-import-done', { title: 'Accounts created', nav: 'admin', org, created });
    } catch (err) {
      if (!(err instanceof ImportRejectedError)) throw err;
      return render(request, reply, 'admin/account-import', {
        title: 'Create accounts from a file', nav: 'admin', org, rejected: err.rows,
        errors: [{ text: `${err.rows.length} problem${err.rows.length === 1 ? '' : 's'} in the file. No accounts were created.`, href: '#problems' }],
      }, 400);
    }
  });
}
