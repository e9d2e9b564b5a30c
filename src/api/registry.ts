import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../identity/authorise.ts';
import type { PortalContext } from '../portal/context.ts';

/**
 * One API operation, declared once: its zod schemas validate the request and
 * are the OpenAPI document's schemas, so the two cannot drift apart.
 */
export type ApiCall<P, Q, B> = {
  params: P;
  query: Q;
  body: B;
  /** The body as sent (already checked against the schema), for domain functions that parse their own input. */
  input: unknown;
  actor: Actor;
  ip: string;
  db: Kysely<DB>;
  ctx: PortalContext;
};

export type ApiResult = { status?: number; json?: unknown; csv?: string; filename?: string };

export type ApiRoute = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** fastify style, e.g. /accounts/:id/leaver */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Answers text/csv as well when asked (reports). */
  csv?: boolean;
  handler(call: ApiCall<any, any, any>): Promise<ApiResult>;
};

export function apiRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodObject<{}>>(def: {
  method: ApiRoute['method'];
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  csv?: boolean;
  handler(call: ApiCall<z.output<P>, z.output<Q>, z.output<B>>): Promise<ApiResult>;
}): ApiRoute {
  return def as ApiRoute;
}

const schemaOf = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;

/** The OpenAPI 3.1 document for the operations given. */
export function openApiDocument(routes: ApiRoute[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = schemaOf(schema) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    const responses: Record<string, unknown> = {
      '200': { description: 'Done', content: { 'application/json': {}, ...(r.csv ? { 'text/csv': {} } : {}) } },
      '400': { description: 'The request has problems; each is named', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      '401': { description: 'No API key, or the key is unknown or revoked' },
      '403': { description: "The key's organisation does not reach the target, or its level does not allow this", content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      '404': { description: 'Not found' },
    };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, '').split(/[/-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`,
      parameters,
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Caremail API',
      version: '1',
      description: "For an organisation's own systems. A standard key acts as a Local Administrator of its organisation, a primary key as a Local Primary Administrator (it may also give and take away LA and helpdesk roles); either reaches that organisation and those below it, never a sibling or a parent.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (cmk_…), made by a Local Administrator in the Portal or by another key through this API.' } },
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            problems: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, line: { type: 'integer' }, message: { type: 'string' } } } },
          },
          required: ['error', 'message'],
        },
      },
    },
  };
}
