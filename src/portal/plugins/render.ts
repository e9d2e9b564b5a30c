import type { FastifyReply, FastifyRequest } from 'fastify';
import type nunjucks from 'nunjucks';
import { csrfTokenFor } from './csrf.ts';

/**
 * Renders a page with what every page needs (who is signed in, the CSRF token,
 * demo mode) merged into its own values.
 */
export function makeRender(env: nunjucks.Environment, opts: { demo: boolean; domain: string; secureCookies: boolean }) {
  return function render(request: FastifyRequest, reply: FastifyReply, page: string, values: Record<string, unknown> = {}, status = 200) {
    const html = env.render(`pages/${page}.njk`, {
      me: request.me,
      csrfToken: csrfTokenFor(request, reply, opts.secureCookies),
      demo: opts.demo,
      domain: opts.domain,
      fieldErrors: {},
      ...values,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  };
}

export type Render = ReturnType<typeof makeRender>;
