import type { FastifyInstance } from 'fastify';
import { filterChoices, searchPeople } from '../../directory/people-finder.ts';
import { searchOrganisations } from '../../directory/organisation-finder.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** People Finder (SPEC 5): a GET form, so a search is a link that can be kept and shared. */
export function registerPeopleFinder(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/people', { preHandler: requireSignIn }, async (request, reply) => {
    const query = request.query as Record<string, string>;
    const searched = Object.entries(query).some(([k, v]) => k !== 'page' && v);
    const choices = await filterChoices(ctx.db);
    const base = { title: 'People Finder', nav: 'people', values: query, choices };
    if (!searched) return render(request, reply, 'people', base);
    try {
      const results = await searchPeople(ctx.db, request.me!.actor, query);
      const pages = Math.max(1, Math.ceil(results.total / results.pageSize));
      const link = (p: number) => `/people?${new URLSearchParams({ ...query, page: String(p) }).toString()}`;
      return render(request, reply, 'people', {
        ...base,
        results,
        pages,
        previous: results.page > 1 ? link(results.page - 1) : null,
        next: results.page < pages ? link(results.page + 1) : null,
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'people', { ...base, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
  });

  app.get('/people/organisations', { preHandler: requireSignIn }, async (request, reply) => {
    const q = String((request.query as { q?: string }).q ?? '');
    if (!q.trim()) return render(request, reply, 'people-organisations', { title: 'Find an organisation', nav: 'people', q });
    try {
      return render(request, reply, 'people-organisations', { title: 'Find an organisation', nav: 'people', q, organisations: await searchOrganisations(ctx.db, q) });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'people-organisations', { title: 'Find an organisation', nav: 'people', q, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
  });
}
