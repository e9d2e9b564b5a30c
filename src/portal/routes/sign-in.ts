import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { verifyPassword } from '../../identity/verify-password.ts';
import { createSession, endSession } from '../../identity/sessions.ts';
import { appendAudit } from '../../audit/trail.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { SESSION_COOKIE } from '../plugins/session.ts';

const SignInForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
});

/** Only local paths: a "next" pointing elsewhere would make the sign-in page an open redirect. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export function registerSignIn(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const policy = { idleMinutes: ctx.settings.sessionIdleMinutes, maxHours: ctx.settings.sessionMaxHours };

  app.get('/sign-in', async (request, reply) => {
    if (request.me) return reply.redirect('/', 303);
    const next = (request.query as { next?: string }).next;
    return render(request, reply, 'sign-in', { title: 'Sign in', next: next ? safeNext(next) : undefined });
  });

  app.post('/sign-in', { config: { rateLimit: { max: 20, timeWindow: '1 minute' } } }, async (request, reply) => {
    const form = SignInForm.parse(request.body ?? {});
    const problems = [];
    if (!form.email) problems.push({ field: 'email', message: 'Enter your email address' });
    if (!form.password) problems.push({ field: 'password', message: 'Enter your password' });
    if (problems.length) {
      return render(request, reply, 'sign-in', {
        title: 'Sign in', email: form.email, next: form.next,
        errors: problems.map((p) => ({ text: p.message, href: `#${p.field}` })),
        fieldErrors: Object.fromEntries(problems.map((p) => [p.field, { text: p.message }])),
      }, 400);
    }
    const result = await verifyPassword(ctx.db, form.email, form.password, {
      frontDoor: 'portal',
      ip: request.ip,
      client: request.headers['user-agent'] ?? null,
      demoMode: ctx.settings.demo,
    });
    if (!result.ok) {
      // One answer for every failure, so the page cannot be used to find out which accounts exist.
      const message = 'The email address or password is not right. Check them and try again.';
      return render(request, reply, 'sign-in', {
        title: 'Sign in', email: form.email, next: form.next,
        errors: [{ text: message, href: '#email' }],
        fieldErrors: { email: { text: message } },
      }, 401);
    }
    if (request.sessionToken) await endSession(ctx.db, request.sessionToken);
    const { token } = await createSession(ctx.db, result.accountId, { userAgent: request.headers['user-agent'], ip: request.ip }, policy);
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      secure: ctx.settings.secureCookies,
      sameSite: 'lax',
      maxAge: policy.maxHours * 3600,
    });
    return reply.redirect(safeNext(form.next), 303);
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.sessionToken && request.me) {
      await endSession(ctx.db, request.sessionToken);
      await appendAudit(ctx.db, {
        actor: { id: request.me.accountId, label: request.me.email },
        action: 'sign_out',
        target: { type: 'account', id: request.me.accountId },
        organisationId: request.me.organisationId,
        frontDoor: 'portal',
        ip: request.ip,
      });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    request.me = null;
    request.session = null;
    return render(request, reply, 'signed-out', { title: 'You have signed out' });
  });
}
