import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import type { PortalContext } from './context.ts';
import { csrfValid } from './plugins/csrf.ts';
import { makeRender } from './plugins/render.ts';
import { registerSessionLoader } from './plugins/session.ts';
import { makeViewEnvironment, nhsukDist } from './plugins/views.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerHealth } from './routes/health.ts';
import { registerSignIn } from './routes/sign-in.ts';
import { registerHome } from './routes/home.ts';
import { registerAdminOrganisations } from './routes/admin-organisations.ts';
import { registerAdminAccounts } from './routes/admin-accounts.ts';
import { registerAdminAudit } from './routes/admin-audit.ts';
import { registerErrorPages } from './routes/errors.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The Portal: one fastify application. Routes only translate between HTTP and
 * the domain functions; every decision is made in the domain code.
 */
export async function buildPortal(ctx: PortalContext): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: ctx.log.child({ frontDoor: 'portal' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(multipart, { limits: { fileSize: 20 * 1024 * 1024, files: 1, fields: 20 } });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The one inline script is nhsuk-frontend's own "js-enabled" line in its page template.
        scriptSrc: ["'self'", "'sha256-tDOvXJi1PXbg0CWjLCCYSNHRXtps26K4JXkE3M6u/c0='"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: ctx.settings.secureCookies ? undefined : false,
  });
  await app.register(fastifyStatic, { root: join(nhsukDist), prefix: '/assets/nhsuk/', decorateReply: false, maxAge: '1d' });
  await app.register(fastifyStatic, { root: join(here, 'assets'), prefix: '/assets/', decorateReply: false, maxAge: '1h' });

  registerSessionLoader(app, ctx);
  const render = makeRender(makeViewEnvironment(), { demo: ctx.settings.demo, domain: ctx.settings.domain, secureCookies: ctx.settings.secureCookies });

  // Every form post must carry its CSRF token; the JSON API authenticates by key instead.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.url.startsWith('/api/')) return;
    if (request.isMultipart()) return; // checked by the upload handler, once the form fields are read
    if (!csrfValid(request)) {
      return render(request, reply, 'error', { title: 'Form expired', heading: 'This form has expired', message: 'Go back, reload the page and try again.' }, 403);
    }
  });

  registerMetrics(app);
  registerHealth(app, ctx);
  registerSignIn(app, ctx, render);
  registerHome(app, ctx, render);
  registerAdminOrganisations(app, ctx, render);
  registerAdminAccounts(app, ctx, render);
  registerAdminAudit(app, ctx, render);
  registerErrorPages(app, render);
  return app;
}
