import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { appendAudit } from '../../audit/trail.ts';
import { createSession, endSession } from '../../identity/sessions.ts';
import { verifyPassword } from '../../identity/verify-password.ts';
import { failPendingSignIn, finishPendingSignIn, loadPendingSignIn, type PendingSignIn, startPendingSignIn } from '../../identity/pending-sign-in.ts';
import { finishPasskeyAuthentication, PasskeyError, passkeyAuthenticationOptions, relyingPartyFor } from '../../identity/mfa/passkeys.ts';
import { checkSmsCode, SMS_CHECK_MESSAGES, sendSmsCode } from '../../identity/mfa/sms-codes.ts';
import { hasAnyMfa, mfaMethods } from '../../identity/mfa/status.ts';
import { checkTotpCode } from '../../identity/mfa/totp.ts';
import { withMfaColumns } from '../../identity/mfa/tables.ts';
import { isLocked } from '../../identity/lockout.ts';
import { secretKeysFor } from '../../identity/secret-key.ts';
import { takeAttempt } from '../../identity/rate-limit.ts';
import { withSignInColumns } from '../../identity/sign-in-tables.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { SESSION_COOKIE } from '../plugins/session.ts';

/**
 * Signing in: the password (verifyPassword, the one check every door uses),
 * then, for an account with MFA, a second step from a pending state kept in
 * the database; or a passkey alone, without a password.
 */
export const PENDING_COOKIE = 'caremail_pending';

const SignInForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
  next: z.string().max(2000).optional(),
});

/** Only local paths: a "next" pointing elsewhere would make the sign-in page an open redirect. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

const CAN_SIGN_IN = new Set(['active', 'leaver', 'inactive']);
/** Text messages cost money and annoy people: a few per account per quarter hour, counted in the database. */
export const SMS_SEND_LIMIT = { max: 3, windowMinutes: 15 };
const TOTP_MESSAGES = {
  not_set_up: 'No authenticator app is set up for this account. Choose another way.',
  wrong: 'The code is not right. Enter the 6-digit code your authenticator app shows now.',
  reused: 'That code has been used already. Wait for the next code in your authenticator app and enter it.',
} as const;

export function registerSignIn(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const policy = { idleMinutes: ctx.settings.sessionIdleMinutes, maxHours: ctx.settings.sessionMaxHours };
  const rp = relyingPartyFor(ctx.settings.publicUrl);
  const cookieOptions = { path: '/', httpOnly: true, secure: ctx.settings.secureCookies, sameSite: 'lax' as const };

  async function startSignedInSession(request: FastifyRequest, reply: FastifyReply, accountId: string) {
    if (request.sessionToken) await endSession(ctx.db, request.sessionToken);
    const { token } = await createSession(ctx.db, accountId, { userAgent: request.headers['user-agent'], ip: request.ip }, policy);
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, maxAge: policy.maxHours * 3600 });
    reply.clearCookie(PENDING_COOKIE, { path: '/' });
  }

  async function auditSecondFactor(pending: { accountId: string }, request: FastifyRequest, method: string, outcome: 'success' | 'failure', reason?: string) {
    const acc = await ctx.db.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', pending.accountId).executeTakeFirstOrThrow();
    await appendAudit(ctx.db, {
      actor: { id: pending.accountId, label: acc.email },
      action: 'sign_in.second_factor',
      outcome,
      target: { type: 'account', id: pending.accountId },
      organisationId: acc.organisation_id,
      frontDoor: 'portal',
      ip: request.ip,
      detail: { method, client: request.headers['user-agent'] ?? null, ...(reason ? { reason } : {}) },
    });
  }

  async function verifyPage(request: FastifyRequest, reply: FastifyReply, pending: PendingSignIn, extra: Record<string, unknown> = {}, status = 200) {
    const methods = await mfaMethods(ctx.db, pending.accountId);
    const acc = await ctx.db.selectFrom('accounts').select(['mobile']).where('id', '=', pending.accountId).executeTakeFirstOrThrow();
    const smsSent = await ctx.db.selectFrom('one_time_codes').select('id').where('account_id', '=', pending.accountId).where('purpose', '=', 'sign_in').executeTakeFirst();
    return render(request, reply, 'sign-in-verify', {
      title: 'Confirm it is you',
      methods,
      mobileEnding: acc.mobile ? acc.mobile.slice(-3) : null,
      smsSent: Boolean(smsSent),
      ...extra,
    }, status);
  }

  async function pendingOrRestart(request: FastifyRequest, reply: FastifyReply): Promise<PendingSignIn | null> {
    const pending = await loadPendingSignIn(ctx.db, request.cookies[PENDING_COOKIE]);
    if (!pending) {
      reply.clearCookie(PENDING_COOKIE, { path: '/' });
      await render(request, reply, 'sign-in', {
        title: 'Sign in',
        errors: [{ text: 'Your sign-in has timed out. Enter your email address and password again.', href: '#email' }],
      }, 401);
      return null;
    }
    return pending;
  }

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
        showRecovery: true,
      }, 401);
    }
    const next = safeNext(form.next);
    if (hasAnyMfa(await mfaMethods(ctx.db, result.accountId))) {
      const token = await startPendingSignIn(ctx.db, result.accountId, next);
      reply.setCookie(PENDING_COOKIE, token, { ...cookieOptions, maxAge: 10 * 60 });
      return reply.redirect('/sign-in/verify', 303);
    }
    await startSignedInSession(request, reply, result.accountId);
    return reply.redirect(next, 303);
  });

  app.get('/sign-in/verify', async (request, reply) => {
    const pending = await pendingOrRestart(request, reply);
    if (!pending) return reply;
    return verifyPage(request, reply, pending);
  });

  app.post('/sign-in/verify', async (request, reply) => {
    const pending = await pendingOrRestart(request, reply);
    if (!pending) return reply;
    const body = (request.body ?? {}) as Record<string, string>;
    const method = body.method === 'sms' ? 'sms' : 'totp';
    const code = String(body.code ?? '').trim().slice(0, 20);
    let failure: string | null = null;
    if (!code) failure = method === 'sms' ? 'Enter the 6-digit code from the text message' : 'Enter the 6-digit code from your authenticator app';
    else if (method === 'totp') {
      const check = await checkTotpCode(ctx.db, secretKeysFor(ctx.settings), pending.accountId, code);
      if (!check.ok) failure = TOTP_MESSAGES[check.reason];
    } else {
      const methods = await mfaMethods(ctx.db, pending.accountId);
      const check = methods.sms ? await checkSmsCode(ctx.db, pending.accountId, 'sign_in', code) : ({ ok: false, reason: 'none' } as const);
      if (!check.ok) failure = SMS_CHECK_MESSAGES[check.reason];
    }
    const field = method === 'sms' ? 'smsCode' : 'code';
    if (failure) {
      await auditSecondFactor(pending, request, method, 'failure', failure);
      if (!(await failPendingSignIn(ctx.db, pending))) {
        reply.clearCookie(PENDING_COOKIE, { path: '/' });
        return render(request, reply, 'sign-in', {
          title: 'Sign in',
          errors: [{ text: 'Too many wrong codes. Sign in again with your email address and password.', href: '#email' }],
          showRecovery: true,
        }, 401);
      }
      return verifyPage(request, reply, pending, { errors: [{ text: failure, href: `#${field}` }], fieldErrors: { [field]: { text: failure } } }, 401);
    }
    if (!(await finishPendingSignIn(ctx.db, pending))) return pendingOrRestart(request, reply);
    await auditSecondFactor(pending, request, method, 'success');
    await startSignedInSession(request, reply, pending.accountId);
    return reply.redirect(safeNext(pending.next), 303);
  });

  app.post('/sign-in/verify/send-sms', async (request, reply) => {
    const pending = await pendingOrRestart(request, reply);
    if (!pending) return reply;
    const methods = await mfaMethods(ctx.db, pending.accountId);
    const acc = await withMfaColumns(ctx.db).selectFrom('accounts').select(['mobile']).where('id', '=', pending.accountId).executeTakeFirstOrThrow();
    if (!methods.sms || !acc.mobile) {
      return verifyPage(request, reply, pending, { errors: [{ text: 'Text message codes are not set up for this account. Choose another way.', href: '#code' }] }, 400);
    }
    const taken = await takeAttempt(ctx.db, `sms:${pending.accountId}`, SMS_SEND_LIMIT);
    if (!taken.allowed) {
      return verifyPage(request, reply, pending, { errors: [{ text: 'We have sent several codes already. Use the last code we sent, or wait 15 minutes and ask again.', href: '#smsCode' }] }, 429);
    }
    await sendSmsCode(ctx.db, ctx.notifier, { accountId: pending.accountId, purpose: 'sign_in', to: acc.mobile });
    return verifyPage(request, reply, pending, { notice: `We have sent a code to your mobile ending ${acc.mobile.slice(-3)}.` });
  });

  /** Passkey options: for the pending account (second factor) or for anyone (passwordless). JSON, for the page's script. */
  app.post('/sign-in/passkey/options', async (request, reply) => {
    const body = (request.body ?? {}) as { mode?: string };
    // Anyone may ask (passwordless), so each address may start only so many ceremonies.
    const taken = await takeAttempt(ctx.db, `passkey-options:${request.ip}`, { max: 30, windowMinutes: 5 });
    if (!taken.allowed) return reply.code(429).send({ error: 'Too many passkey attempts from this address. Wait a few minutes and try again.' });
    let accountId: string | null = null;
    if (body.mode === 'second-factor') {
      const pending = await loadPendingSignIn(ctx.db, request.cookies[PENDING_COOKIE]);
      if (!pending) return reply.code(401).send({ error: 'Your sign-in has timed out. Sign in again.' });
      accountId = pending.accountId;
    }
    return reply.send(await passkeyAuthenticationOptions(ctx.db, rp, accountId));
  });

  app.post('/sign-in/passkey/finish', async (request, reply) => {
    const body = (request.body ?? {}) as { mode?: string; credential?: unknown };
    const secondFactor = body.mode === 'second-factor';
    const pending = secondFactor ? await loadPendingSignIn(ctx.db, request.cookies[PENDING_COOKIE]) : null;
    if (secondFactor && !pending) return reply.code(401).send({ error: 'Your sign-in has timed out. Sign in again.' });
    let accountId: string;
    try {
      ({ accountId } = await finishPasskeyAuthentication(ctx.db, rp, body.credential as never, pending?.accountId ?? null));
    } catch (err) {
      if (!(err instanceof PasskeyError)) throw err;
      if (pending) {
        await auditSecondFactor(pending, request, 'passkey', 'failure', err.message);
        await failPendingSignIn(ctx.db, pending);
      } else {
        await appendAudit(ctx.db, {
          actor: { id: null, label: 'passkey' }, action: 'sign_in', outcome: 'failure', frontDoor: 'portal', ip: request.ip,
          detail: { method: 'passkey', reason: err.message, client: request.headers['user-agent'] ?? null },
        });
      }
      return reply.code(401).send({ error: err.message });
    }
    if (pending) {
      if (!(await finishPendingSignIn(ctx.db, pending))) return reply.code(401).send({ error: 'Your sign-in has timed out. Sign in again.' });
      await auditSecondFactor(pending, request, 'passkey', 'success');
    } else {
      // Without a password the account's own state is checked here: the same rules as verifyPassword.
      const acc = await withSignInColumns(ctx.db).selectFrom('accounts').select(['email', 'organisation_id', 'status', 'demo', 'locked_until']).where('id', '=', accountId).executeTakeFirstOrThrow();
      const refused = !CAN_SIGN_IN.has(acc.status) ? 'not_active' : acc.demo && !ctx.settings.demo ? 'demo_disabled' : isLocked(acc.locked_until, new Date()) ? 'locked' : null;
      await appendAudit(ctx.db, {
        actor: { id: accountId, label: acc.email }, action: 'sign_in', outcome: refused ? 'failure' : 'success',
        target: { type: 'account', id: accountId }, organisationId: acc.organisation_id, frontDoor: 'portal', ip: request.ip,
        detail: { method: 'passkey', client: request.headers['user-agent'] ?? null, ...(refused ? { reason: refused } : {}) },
      });
      if (refused) return reply.code(401).send({ error: 'This passkey cannot sign in now. Sign in with your password, or use "Forgotten your password or locked out?".' });
      await ctx.db.updateTable('accounts').set({ last_sign_in_at: new Date() }).where('id', '=', accountId).execute();
    }
    await startSignedInSession(request, reply, accountId);
    return reply.send({ redirect: safeNext(pending?.next ?? (body as { next?: string }).next) });
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
