import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unlockAccount } from '../../identity/lockout.ts';
import { setPasswordAfterProof } from '../../identity/password-change.ts';
import { secretKeysFor } from '../../identity/secret-key.ts';
import {
  chooseRecoveryMethod,
  endRecovery,
  loadRecovery,
  proveRecovery,
  RECOVERY_METHODS,
  RECOVERY_MINUTES,
  RecoveryLimitedError,
  type RecoveryFlow,
  type RecoveryMethod,
  startRecovery,
} from '../../identity/self-service.ts';
import { type FieldProblem, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';

/**
 * "Forgotten your password or locked out?": /recover. The pages are the same
 * whether or not the address belongs to an account; only a right proof moves
 * on to unlocking or a new password.
 */
export const RECOVER_COOKIE = 'caremail_recover';

const METHOD_LABELS: Record<RecoveryMethod, string> = {
  totp: 'A code from my authenticator app',
  sms: 'A code sent by text message to my mobile',
  questions: 'Some letters of my security answers',
};
const WRONG = 'That did not match our records. Check what you entered and try again.';

export function registerSelfService(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const keys = () => secretKeysFor(ctx.settings);
  const cookieOptions = { path: '/recover', httpOnly: true, secure: ctx.settings.secureCookies, sameSite: 'strict' as const };

  async function flowOrRestart(request: FastifyRequest, reply: FastifyReply, needProof = false): Promise<RecoveryFlow | null> {
    const flow = await loadRecovery(ctx.db, request.cookies[RECOVER_COOKIE]);
    if (!flow || (needProof && !flow.proven)) {
      await render(request, reply, 'recover/start', {
        title: 'Recover your account',
        errors: [{ text: `Your recovery has timed out (it lasts ${RECOVERY_MINUTES} minutes). Enter your email address to start again.`, href: '#email' }],
      }, 400);
      return null;
    }
    return flow;
  }

  const methodItems = () => RECOVERY_METHODS.map((m) => ({ value: m, text: METHOD_LABELS[m] }));

  function provePage(request: FastifyRequest, reply: FastifyReply, flow: RecoveryFlow, extra: Record<string, unknown> = {}, status = 200) {
    return render(request, reply, 'recover/prove', { title: 'Prove it is you', method: flow.method, asked: flow.detail.asked ?? [], ...extra }, status);
  }

  function limited(request: FastifyRequest, reply: FastifyReply, err: RecoveryLimitedError) {
    return render(request, reply, 'recover/start', { title: 'Recover your account', errors: [{ text: err.message, href: '#email' }] }, 429);
  }

  app.get('/recover', async (request, reply) => render(request, reply, 'recover/start', { title: 'Recover your account' }));

  app.post('/recover', async (request, reply) => {
    const email = String((request.body as Record<string, string>)?.email ?? '').trim();
    if (!email) {
      const text = 'Enter your email address';
      return render(request, reply, 'recover/start', { title: 'Recover your account', errors: [{ text, href: '#email' }], fieldErrors: { email: { text } } }, 400);
    }
    try {
      const token = await startRecovery(ctx.db, email, request.ip);
      reply.setCookie(RECOVER_COOKIE, token, { ...cookieOptions, maxAge: RECOVERY_MINUTES * 60 });
    } catch (err) {
      if (err instanceof RecoveryLimitedError) return limited(request, reply, err);
      throw err;
    }
    return reply.redirect('/recover/method', 303);
  });

  app.get('/recover/method', async (request, reply) => {
    const flow = await flowOrRestart(request, reply);
    if (!flow) return reply;
    return render(request, reply, 'recover/method', { title: 'How will you prove it is you?', items: methodItems(), email: flow.detail.email });
  });

  app.post('/recover/method', async (request, reply) => {
    const flow = await flowOrRestart(request, reply);
    if (!flow) return reply;
    const method = String((request.body as Record<string, string>)?.method ?? '') as RecoveryMethod;
    if (!RECOVERY_METHODS.includes(method)) {
      const text = 'Choose how you will prove it is you';
      return render(request, reply, 'recover/method', { title: 'How will you prove it is you?', items: methodItems(), email: flow.detail.email, errors: [{ text, href: '#method' }], fieldErrors: { method: { text } } }, 400);
    }
    try {
      await chooseRecoveryMethod(ctx.db, keys(), ctx.notifier, flow, method, request.ip);
    } catch (err) {
      if (err instanceof RecoveryLimitedError) return limited(request, reply, err);
      throw err;
    }
    return provePage(request, reply, flow);
  });

  app.post('/recover/prove', async (request, reply) => {
    const flow = await flowOrRestart(request, reply);
    if (!flow) return reply;
    if (!flow.method) return reply.redirect('/recover/method', 303);
    const body = (request.body ?? {}) as Record<string, string>;
    const characters = (flow.detail.asked ?? []).map((q, i) => q.characters.map((_, j) => String(body[`q${i + 1}c${j + 1}`] ?? '').slice(0, 4)));
    let result;
    try {
      result = await proveRecovery(ctx.db, keys(), flow, { code: String(body.code ?? '').slice(0, 20), characters }, request.ip);
    } catch (err) {
      if (err instanceof RecoveryLimitedError) return limited(request, reply, err);
      throw err;
    }
    if (!result.ok) {
      if (result.ended) {
        reply.clearCookie(RECOVER_COOKIE, { path: '/recover' });
        return render(request, reply, 'recover/start', {
          title: 'Recover your account',
          errors: [{ text: 'That did not match too many times. Start again, or call your local IT helpdesk.', href: '#email' }],
        }, 401);
      }
      return provePage(request, reply, flow, { errors: [{ text: WRONG, href: flow.method === 'questions' ? '#q1c1' : '#code' }] }, 401);
    }
    return reply.redirect('/recover/choose', 303);
  });

  app.get('/recover/choose', async (request, reply) => {
    const flow = await flowOrRestart(request, reply, true);
    if (!flow) return reply;
    return render(request, reply, 'recover/choose', { title: 'Unlock your account or set a new password' });
  });

  app.post('/recover/unlock', async (request, reply) => {
    const flow = await flowOrRestart(request, reply, true);
    if (!flow) return reply;
    await unlockAccount(ctx.db, flow.accountId!, { kind: 'self_service', method: flow.method!, ip: request.ip });
    await endRecovery(ctx.db, flow);
    reply.clearCookie(RECOVER_COOKIE, { path: '/recover' });
    return render(request, reply, 'recover/done', { title: 'Your account is unlocked', heading: 'Your account is unlocked', message: 'You can now sign in with your password.' });
  });

  app.post('/recover/password', async (request, reply) => {
    const flow = await flowOrRestart(request, reply, true);
    if (!flow) return reply;
    const body = (request.body ?? {}) as Record<string, string>;
    const next = String(body.newPassword ?? '').slice(0, 1024);
    const confirm = String(body.confirmPassword ?? '').slice(0, 1024);
    try {
      const problems: FieldProblem[] = [];
      if (!next) problems.push({ field: 'newPassword', message: 'Enter a new password' });
      else if (next !== confirm) problems.push({ field: 'confirmPassword', message: 'The passwords do not match. Type the new password again in both boxes.' });
      if (problems.length) throw new ValidationError(problems);
      await setPasswordAfterProof(ctx.db, flow.accountId!, next, { frontDoor: 'portal', ip: request.ip, client: request.headers['user-agent'] ?? null });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'recover/choose', { title: 'Unlock your account or set a new password', errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
    await endRecovery(ctx.db, flow);
    reply.clearCookie(RECOVER_COOKIE, { path: '/recover' });
    return render(request, reply, 'recover/done', { title: 'Your password has been changed', heading: 'Your password has been changed', message: 'Your account is unlocked. Sign in with your new password.' });
  });
}
