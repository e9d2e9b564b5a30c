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
import { registerAccountPassword } from './routes/account-password.ts';
import { registerAccountAppPasswords } from './routes/account-app-passwords.ts';
import { registerAccountSessions } from './routes/account-sessions.ts';
import { registerAdminLockedAccounts } from './routes/admin-locked-accounts.ts';
import { registerDevOutbox } from './routes/dev-outbox.ts';
import { registerSecureRead } from './routes/secure-read.ts';
import { registerSecureSent } from './routes/secure-sent.ts';
import { registerAdminSecure } from './routes/admin-secure.ts';
import { registerAdminAccreditedDomains } from './routes/admin-accredited-domains.ts';
import { registerAdminSpoofing } from './routes/admin-spoofing.ts';
import { registerAdminDns } from './routes/admin-dns.ts';
import { registerAdminSecureSenders } from './routes/admin-secure-senders.ts';
import { registerPeopleFinder } from './routes/people.ts';
import { registerAdminLifecycle } from './routes/admin-lifecycle.ts';
import { registerAdminApiKeys } from './routes/admin-api-keys.ts';
import { registerAdminRoles } from './routes/admin-roles.ts';
import { registerAdminReports } from './routes/admin-reports.ts';
import { registerProfiles } from './routes/profile.ts';
import { registerAdminBulk } from './routes/admin-bulk.ts';
import { registerApi } from '../api/plugin.ts';
import { registerFirstSignIn } from './routes/first-sign-in.ts';
import { registerAccountMfa } from './routes/account-mfa.ts';
import { registerAccountRecovery } from './routes/account-recovery.ts';
import { registerMailFolders } from './routes/mail-folders.ts';
import { registerMailRead } from './routes/mail-read.ts';
import { registerMailAttachments } from './routes/mail-attachments.ts';
import { registerMailActions } from './routes/mail-actions.ts';
import { registerMailCompose } from './routes/mail-compose.ts';
import { registerMailSearch } from './routes/mail-search.ts';
import { registerSelfService } from './routes/self-service.ts';
import { registerAdminVerifyCaller } from './routes/admin-verify-caller.ts';
import { registerAdminApprovals } from './routes/admin-approvals.ts';
import { FORM_EXPIRED } from './plugins/upload.ts';

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
      return render(request, reply, 'error', FORM_EXPIRED, 403);
    }
  });

  registerMetrics(app);
  registerHealth(app, ctx);
  registerSignIn(app, ctx, render);
  registerFirstSignIn(app, ctx, render);
  registerAccountMfa(app, ctx, render);
  registerAccountRecovery(app, ctx, render);
  registerSelfService(app, ctx, render);
  registerAdminVerifyCaller(app, ctx, render);
  registerHome(app, ctx, render);
  registerAdminOrganisations(app, ctx, render);
  registerAdminAccounts(app, ctx, render);
  registerAdminAudit(app, ctx, render);
  registerPeopleFinder(app, ctx, render);
  registerAdminLifecycle(app, ctx, render);
  registerAdminApiKeys(app, ctx, render);
  registerAdminRoles(app, ctx, render);
  registerAdminReports(app, ctx, render);
  registerProfiles(app, ctx, render);
  registerAdminBulk(app, ctx, render);
  registerApi(app, ctx);
  registerAccountPassword(app, ctx, render);
  registerAccountAppPasswords(app, ctx, render);
  registerAccountSessions(app, ctx, render);
  registerAdminLockedAccounts(app, ctx, render);
  registerDevOutbox(app, ctx, render);
  registerMailFolders(app, ctx, render);
  registerMailRead(app, ctx, render);
  registerMailAttachments(app, ctx, render);
  registerMailActions(app, ctx, render);
  registerMailCompose(app, ctx, render);
  registerMailSearch(app, ctx, render);
  registerSecureRead(app, ctx, render);
  registerSecureSent(app, ctx, render);
  registerAdminSecure(app, ctx, render);
  registerAdminAccreditedDomains(app, ctx, render);
  registerAdminSpoofing(app, ctx, render);
  registerAdminDns(app, ctx, render);
  registerAdminSecureSenders(app, ctx, render);
  registerAdminApprovals(app, ctx, render);
  registerErrorPages(app, render);
  return app;
}
