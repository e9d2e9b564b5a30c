import type { FastifyInstance, FastifyRequest } from 'fastify';
import { onboardingComplete, pendingSteps } from '../../identity/first-sign-in.ts';
import { markMobileVerified } from '../../identity/mfa/factors.ts';
import { checkSmsCode, SMS_CHECK_MESSAGES, sendSmsCode } from '../../identity/mfa/sms-codes.ts';
import { withMfaColumns } from '../../identity/mfa/tables.ts';
import { QUESTION_COUNT, SECURITY_QUESTIONS } from '../../identity/policy/security-questions.ts';
import { accountSecretState, setAccountSecret } from '../../identity/secret.ts';
import { secretKeysFor } from '../../identity/secret-key.ts';
import { takeAttempt } from '../../identity/rate-limit.ts';
import { SMS_SEND_LIMIT } from './sign-in.ts';
import { hasSecurityAnswers, setSecurityAnswers } from '../../identity/security-answers.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/**
 * The person's own recovery details: the account secret (/account/secret),
 * security questions (/account/security-questions) and confirming the UK
 * mobile that codes go to (/account/mobile). None of them is ever shown back.
 */
export function registerAccountRecovery(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const keys = () => secretKeysFor(ctx.settings);
  const actionCtx = (request: FastifyRequest) => ({ actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip });
  /** During the first sign-in (or when it has just ended) on to the next step or home; otherwise back to the page. */
  async function afterChange(accountId: string, wasComplete: boolean, page: string, notice: string) {
    const steps = await pendingSteps(ctx.db, accountId);
    return steps.length || !wasComplete ? '/welcome/next' : `${page}?done=${encodeURIComponent(notice)}`;
  }
  const doneNotice = (request: FastifyRequest) => {
    const done = (request.query as { done?: string }).done;
    return done && done.length < 100 ? done : undefined;
  };

  // The account secret.
  async function secretValues(request: FastifyRequest) {
    const state = await accountSecretState(ctx.db, request.me!.accountId);
    return { title: 'Your account secret', nav: 'account', state, notice: doneNotice(request) };
  }
  app.get('/account/secret', { preHandler: requireSignIn }, async (request, reply) => render(request, reply, 'account/secret', await secretValues(request)));
  app.post('/account/secret', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const body = (request.body ?? {}) as Record<string, string>;
    const secret = String(body.secret ?? '').slice(0, 200);
    const confirm = String(body.confirmSecret ?? '').slice(0, 200);
    try {
      if (!secret) throw new ValidationError([{ field: 'secret', message: 'Enter an account secret' }]);
      if (secret !== confirm) throw new ValidationError([{ field: 'confirmSecret', message: 'The secrets do not match. Type the same secret in both boxes.' }]);
      await setAccountSecret(ctx.db, keys(), request.me!.accountId, secret, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'account/secret', { ...(await secretValues(request)), errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
    return reply.redirect(await afterChange(request.me!.accountId, wasComplete, '/account/secret', 'Your account secret is set.'), 303);
  });

  // Security questions.
  const questionItems = (selected?: string) => [
    { value: '', text: 'Choose a question' },
    ...SECURITY_QUESTIONS.map((q) => ({ value: q.id, text: q.text, selected: q.id === selected })),
  ];
  async function questionValues(request: FastifyRequest, chosen: string[] = []) {
    return {
      title: 'Security questions', nav: 'account', notice: doneNotice(request),
      isSet: await hasSecurityAnswers(ctx.db, request.me!.accountId),
      slots: Array.from({ length: QUESTION_COUNT }, (_, i) => ({ n: i + 1, items: questionItems(chosen[i]) })),
    };
  }
  app.get('/account/security-questions', { preHandler: requireSignIn }, async (request, reply) => render(request, reply, 'account/security-questions', await questionValues(request)));
  app.post('/account/security-questions', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const body = (request.body ?? {}) as Record<string, string>;
    const entries = Array.from({ length: QUESTION_COUNT }, (_, i) => ({
      questionId: String(body[`question${i + 1}`] ?? ''),
      answer: String(body[`answer${i + 1}`] ?? '').slice(0, 100),
    }));
    try {
      await setSecurityAnswers(ctx.db, keys(), request.me!.accountId, entries, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'account/security-questions', {
        ...(await questionValues(request, entries.map((e) => e.questionId))), errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems),
      }, 400);
    }
    return reply.redirect(await afterChange(request.me!.accountId, wasComplete, '/account/security-questions', 'Your security questions are set.'), 303);
  });

  // Confirming the mobile.
  async function mobileValues(request: FastifyRequest, extra: Record<string, unknown> = {}) {
    const acc = await withMfaColumns(ctx.db).selectFrom('accounts').select(['mobile', 'mobile_verified']).where('id', '=', request.me!.accountId).executeTakeFirstOrThrow();
    return { title: 'Confirm your mobile', nav: 'account', mobile: acc.mobile, verified: Boolean(acc.mobile && acc.mobile === acc.mobile_verified), notice: doneNotice(request), ...extra };
  }
  app.get('/account/mobile', { preHandler: requireSignIn }, async (request, reply) => render(request, reply, 'account/mobile', await mobileValues(request)));
  app.post('/account/mobile/send', { preHandler: requireSignIn }, async (request, reply) => {
    const values = await mobileValues(request);
    if (!values.mobile) return reply.redirect('/account/mobile', 303);
    const taken = await takeAttempt(ctx.db, `sms:${request.me!.accountId}`, SMS_SEND_LIMIT);
    if (!taken.allowed) {
      const text = 'We have sent several codes already. Use the last code we sent, or wait 15 minutes and ask again.';
      return render(request, reply, 'account/mobile', { ...values, sent: true, errors: [{ text, href: '#code' }] }, 429);
    }
    await sendSmsCode(ctx.db, ctx.notifier, { accountId: request.me!.accountId, purpose: 'confirm_mobile', to: values.mobile });
    return render(request, reply, 'account/mobile', { ...values, sent: true, notice: `We have sent a code to ${values.mobile}.` });
  });
  app.post('/account/mobile/confirm', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const code = String((request.body as Record<string, string>)?.code ?? '').trim().slice(0, 20);
    const check = await checkSmsCode(ctx.db, request.me!.accountId, 'confirm_mobile', code);
    if (!check.ok) {
      const text = code ? SMS_CHECK_MESSAGES[check.reason] : 'Enter the 6-digit code from the text message';
      return render(request, reply, 'account/mobile', await mobileValues(request, { sent: true, errors: [{ text, href: '#code' }], fieldErrors: { code: { text } } }), 400);
    }
    await markMobileVerified(ctx.db, request.me!.accountId, check.sentTo, actionCtx(request));
    return reply.redirect(await afterChange(request.me!.accountId, wasComplete, '/account/mobile', 'Your mobile number is confirmed.'), 303);
  });
}
