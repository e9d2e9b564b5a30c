import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { actorForApiToken } from '../directory/api-keys.ts';
import { NotAllowedError } from '../identity/authorise.ts';
import { ConflictError, ImportRejectedError, NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import type { PortalContext } from '../portal/context.ts';
import { type ApiRoute, openApiDocument } from './registry.ts';
import { API_ROUTES } from './routes/index.ts';

const BASE = '/api/v1';

function problem(reply: FastifyReply, status: number, error: string, message: string, problems?: unknown[]) {
  return reply.code(status).type('application/json').send({ error, message, ...(problems ? { problems } : {}) });
}

function parsePart(schema: z.ZodType | undefined, value: unknown) {
  if (!schema) return {};
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  return parsed.data;
}

/** The JSON API: every operation of API_ROUTES, behind an organisation's API key. */
export function registerApi(app: FastifyInstance, ctx: PortalContext, routes: ApiRoute[] = API_ROUTES): void {
  app.get(`${BASE}/openapi.json`, async (_request, reply) => reply.type('application/json').send(openApiDocument(routes, `${ctx.settings.publicUrl}${BASE}`)));

  app.register(async (api) => {
    // Bodies that are not JSON, and anything unexpected, answer in JSON here rather than as a Portal page.
    api.setErrorHandler((error, request, reply) => {
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) return problem(reply, status, 'bad_request', (error as Error).message);
      request.log.error({ err: error }, 'unexpected error in the API');
      return problem(reply, 500, 'internal', 'Sorry, there is a problem with the service. Try again later.');
    });
    for (const r of routes) registerOne(api, ctx, r);
  });
}

function registerOne(app: FastifyInstance, ctx: PortalContext, r: ApiRoute): void {
  {
    app.route({
      method: r.method,
      url: `${BASE}${r.path}`,
      handler: async (request, reply) => {
        const auth = request.headers.authorization ?? '';
        const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
        const actor = token ? await actorForApiToken(ctx.db, token) : null;
        if (!actor) {
          reply.header('www-authenticate', 'Bearer');
          return problem(reply, 401, 'unauthenticated', 'Send an API key as "Authorization: Bearer cmk_…". A Local Administrator makes keys in the Portal.');
        }
        try {
          const result = await r.handler({
            params: parsePart(r.params, request.params),
            query: parsePart(r.query, request.query),
            body: parsePart(r.body, request.body),
            input: request.body ?? {},
            actor,
            ip: request.ip,
            db: ctx.db,
            ctx,
          });
          const wantsCsv = r.csv && (String((request.query as Record<string, unknown>)?.format ?? '') === 'csv' || /text\/csv/.test(request.headers.accept ?? ''));
          if (wantsCsv && result.csv !== undefined) {
            return reply.code(result.status ?? 200).type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${result.filename ?? 'report.csv'}"`).send(result.csv);
          }
          return reply.code(result.status ?? 200).type('application/json').send(result.json ?? {});
        } catch (err) {
          if (err instanceof ValidationError) return problem(reply, 400, 'invalid', 'The request has problems; nothing was changed.', err.problems);
          if (err instanceof ImportRejectedError) return problem(reply, 422, 'rejected', err.message, err.rows);
          if (err instanceof NotAllowedError) return problem(reply, 403, 'forbidden', err.message);
          if (err instanceof NotFoundError) return problem(reply, 404, 'not_found', err.message);
          if (err instanceof ConflictError) return problem(reply, 409, 'conflict', err.message);
          throw err;
        }
      },
    });
  }
}
