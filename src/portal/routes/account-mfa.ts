import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { mustRegisterMfaAgain, onboardingComplete, pendingSteps } from '../../identity/first-sign-in.ts';
import { addPasskey, confirmTotpEnrolment, removePasskey, removeTotp, setSmsMfa } from '../../identity/mfa/factors.ts';
import { listPasskeys, PasskeyError, passkeyRegistrationOptions, relyingPartyFor } from '../../identity/mfa/passkeys.ts';
import { mfaMethods, mfaRequirement } from '../../identity/mfa/status.ts';
import { withMfaColumns } from '../../identity/mfa/tables.ts';
import { pendingTotpEnrolment, startTotpEnrolment } from '../../identity/mfa/totp.ts';
import { secretKeysFor } from '../../identity/secret-key.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** /account/mfa: the person's own second factors: authenticator app, passkeys, text message codes. */
export function registerAccountMfa(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const rp = relyingPartyFor(ctx.settings.publicUrl);
  const keys = () => secretKeysFor(ctx.settings);
  const actionCtx = (request: FastifyRequest) => ({ actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip });

  /** During the first sign-in the person goes on to the next step; otherwise back to this page. */
  async function afterChange(accountId: string, wasComplete: boolean, notice: string) {
    const steps = await pendingSteps(ctx.db, accountId);
    return steps.length || !wasComplete ? '/welcome/next' : `/account/mfa?done=${encodeURIComponent(notice)}`;
  }

  async function overview(request: FastifyRequest, extra: Record<string, unknown> = {}) {
    const accountId = request.me!.accountId;
    const acc = await withMfaColumns(ctx.db).selectFrom('accounts').select(['mobile', 'mobile_verified']).where('id', '=', accountId).executeTakeFirstOrThrow();
    const done = (request.query as { done?: string }).done;
    const methods = await mfaMethods(ctx.db, accountId);
    return {
      title: 'Sign-in security',
      nav: 'account',
      methods,
      requirement: await mfaRequirement(ctx.db, accountId),
      registerAgain: await mustRegisterMfaAgain(ctx.db, accountId, methods),
      passkeys: await listPasskeys(ctx.db, accountId),
      mobile: acc.mobile,
      mobileVerified: Boolean(acc.mobile && acc.mobile === acc.mobile_verified),
      notice: done && done.length < 100 ? done : undefined,
      ...extra,
    };
  }

  app.get('/account/mfa', { preHandler: requireSignIn }, async (request, reply) => render(request, reply, 'account/mfa', await overview(request)));

  app.post('/account/mfa/totp/start', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      await startTotpEnrolment(ctx.db, keys(), request.me!.accountId, request.me!.email);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return render(request, reply, 'account/mfa', await overview(request, { errors: [{ text: err.message, href: '#totp' }] }), 409);
    }
    return reply.redirect('/account/mfa/totp', 303);
  });

  async function totpPage(request: FastifyRequest) {
    const enrolment = await pendingTotpEnrolment(ctx.db, keys(), request.me!.accountId, request.me!.email);
    if (!enrolment) return null;
    const qr = await QRCode.toDataURL(enrolment.uri, { margin: 1, width: 220 });
    // Groups of 4 are easier to type into an app by hand.
    return { title: 'Set up an authenticator app', nav: 'account', qr, secret: enrolment.secret.replace(/(.{4})/g, '$1 ').trim() };
  }

  app.get('/account/mfa/totp', { preHandler: requireSignIn }, async (request, reply) => {
    const values = await totpPage(request);
    if (!values) return reply.redirect('/account/mfa', 303);
    return render(request, reply, 'account/mfa-totp', values);
  });

  app.post('/account/mfa/totp', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const code = String((request.body as Record<string, string>)?.code ?? '').trim();
    const check = code
      ? await confirmTotpEnrolment(ctx.db, keys(), request.me!.accountId, code, actionCtx(request))
      : ({ ok: false, reason: 'empty' } as const);
    if (!check.ok) {
      const values = await totpPage(request);
      if (!values) return reply.redirect('/account/mfa', 303);
      const text = check.reason === 'empty' ? 'Enter the 6-digit code your authenticator app shows' : 'The code is not right. Check the app shows Caremail and enter the code it shows now.';
      return render(request, reply, 'account/mfa-totp', { ...values, errors: [{ text, href: '#code' }], fieldErrors: { code: { text } } }, 400);
    }
    return reply.redirect(await afterChange(request.me!.accountId, wasComplete, 'Your authenticator app is set up.'), 303);
  });

  app.post('/account/mfa/totp/remove', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      await removeTotp(ctx.db, request.me!.accountId, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
      return render(request, reply, 'account/mfa', await overview(request, { errors: [{ text: err.message, href: '#totp' }] }), 409);
    }
    return reply.redirect('/account/mfa?done=' + encodeURIComponent('Your authenticator app has been removed.'), 303);
  });

  app.post('/account/mfa/passkeys/options', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    return reply.send(await passkeyRegistrationOptions(ctx.db, rp, { id: me.accountId, email: me.email, displayName: me.displayName }));
  });

  app.post('/account/mfa/passkeys', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const body = (request.body ?? {}) as { name?: string; credential?: unknown };
    try {
      await addPasskey(ctx.db, rp, request.me!.accountId, body.credential as never, String(body.name ?? ''), actionCtx(request));
    } catch (err) {
      if (!(err instanceof PasskeyError)) throw err;
      return reply.code(400).send({ error: err.message });
    }
    return reply.send({ redirect: await afterChange(request.me!.accountId, wasComplete, 'Your passkey is set up.') });
  });

  app.post<{ Params: { id: string } }>('/account/mfa/passkeys/:id/remove', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      if (!/^[0-9a-f-]{36}$/i.test(request.params.id)) throw new NotFoundError('There is no such passkey on your account.');
      await removePasskey(ctx.db, request.me!.accountId, request.params.id, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
      return render(request, reply, 'account/mfa', await overview(request, { errors: [{ text: err.message, href: '#passkeys' }] }), 409);
    }
    return reply.redirect('/account/mfa?done=' + encodeURIComponent('The passkey has been removed.'), 303);
  });

  app.post('/account/mfa/sms', { preHandler: requireSignIn }, async (request, reply) => {
    const wasComplete = await onboardingComplete(ctx.db, request.me!.accountId);
    const on = (request.body as Record<string, string>)?.on === '1';
    try {
      await setSmsMfa(ctx.db, request.me!.accountId, on, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return render(request, reply, 'account/mfa', await overview(request, { errors: [{ text: err.message, href: '#sms' }] }), 409);
    }
    return reply.redirect(await afterChange(request.me!.accountId, wasComplete, on ? 'Text message codes are on.' : 'Text message codes are off.'), 303);
  });
}
