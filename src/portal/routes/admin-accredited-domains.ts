import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAllowed } from '../../identity/authorise.ts';
import { addAccreditedDomain, importAccreditedDomainsCsv, listAccreditedDomains, removeAccreditedDomain } from '../../mail/secure/accredited-domains.ts';
import { isAccreditationCurrent } from '../../mail/secure/domain-class.ts';
import { ImportRejectedError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { FORM_EXPIRED, readUploadedCsv } from '../plugins/upload.ts';

/** Accredited secure domains (SPEC 7), kept by Global Admins: one at a time or from a CSV file. */
const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'No end date');

export function registerAdminAccreditedDomains(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function page(request: FastifyRequest, values: Record<string, unknown> = {}) {
    const now = new Date();
    const domains = (await listAccreditedDomains(ctx.db)).map((d) => ({ ...d, until: day(d.accreditedUntil), current: isAccreditationCurrent(d.accreditedUntil, now) }));
    return { title: 'Accredited secure domains', nav: 'admin', domains, ...values };
  }

  app.get('/admin/secure/domains', { preHandler: requireSignIn }, async (request, reply) => {
    await requireAllowed(ctx.db, request.me!.actor, 'secure.manage', null);
    const q = request.query as { added?: string; imported?: string; removed?: string };
    const notice = q.added ? `${q.added.slice(0, 253)} is accredited.` : q.removed ? `${q.removed.slice(0, 253)} is no longer accredited.` : q.imported ? `The file was imported: ${q.imported.slice(0, 40)}.` : undefined;
    return render(request, reply, 'admin/secure-domains', await page(request, { notice }));
  });

  app.post('/admin/secure/domains', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const input = { domain: String(body.domain ?? ''), organisation: String(body.organisation ?? ''), accreditedUntil: String(body.accreditedUntil ?? '') };
    try {
      const saved = await addAccreditedDomain(ctx.db, input, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
      return reply.redirect(`/admin/secure/domains?added=${encodeURIComponent(saved.domain)}`, 303);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const errors = err.problems.map((p) => ({ text: p.message, href: `#${p.field}` }));
      const fieldErrors = Object.fromEntries(err.problems.map((p, i) => [p.field, errors[i]]));
      return render(request, reply, 'admin/secure-domains', await page(request, { errors, fieldErrors, values: input }), 400);
    }
  });

  app.post<{ Params: { domain: string } }>('/admin/secure/domains/:domain/remove', { preHandler: requireSignIn }, async (request, reply) => {
    await removeAccreditedDomain(ctx.db, request.params.domain, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/secure/domains?removed=${encodeURIComponent(request.params.domain)}`, 303);
  });

  app.post('/admin/secure/domains/import', { preHandler: requireSignIn }, async (request, reply) => {
    const csv = await readUploadedCsv(request);
    if (csv === null) return render(request, reply, 'error', FORM_EXPIRED, 403);
    if (!csv.trim()) {
      const errors = [{ text: 'Choose a CSV file of accredited domains to upload', href: '#file' }];
      return render(request, reply, 'admin/secure-domains', await page(request, { errors, fieldErrors: { file: errors[0] } }), 400);
    }
    try {
      const r = await importAccreditedDomainsCsv(ctx.db, csv, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
      return reply.redirect(`/admin/secure/domains?imported=${encodeURIComponent(`${r.added} added, ${r.updated} updated`)}`, 303);
    } catch (err) {
      if (!(err instanceof ImportRejectedError)) throw err;
      return render(request, reply, 'admin/secure-domains', await page(request, {
        rejected: err.rows, errors: [{ text: `${err.rows.length} problem${err.rows.length === 1 ? '' : 's'} in the file. Nothing was imported.`, href: '#problems' }],
      }), 400);
    }
  });
}
