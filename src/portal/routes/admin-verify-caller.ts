import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorise, NotAllowedError } from '../../identity/authorise.ts';
import { resetMfaByAdmin } from '../../identity/mfa/factors.ts';
import { organisationMfaSetting, setOrganisationRequiresMfa } from '../../identity/mfa/organisation-rule.ts';
import { mfaMethods } from '../../identity/mfa/status.ts';
import { accountSecretState, CallerCheckBlockedError, finishCallerCheck, resecureAccount, startCallerCheck } from '../../identity/secret.ts';
import { secretKeysFor } from '../../identity/secret-key.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

/**
 * An administrator's sign-in security actions on someone else's account:
 * authenticate a caller by 3 letters of their account secret, reset their MFA,
 * re-secure their secret; and an organisation's "require MFA" setting.
 */
type IdParams = { Params: { id: string } };

export function registerAdminVerifyCaller(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const keys = () => secretKeysFor(ctx.settings);
  const actionCtx = (request: FastifyRequest) => ({ actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip });

  async function target(request: FastifyRequest<IdParams>) {
    if (!/^[0-9a-f-]{36}$/i.test(request.params.id)) throw new NotFoundError('There is no such account.');
    const acc = await ctx.db.selectFrom('accounts').select(['id', 'email', 'display_name', 'organisation_id']).where('id', '=', request.params.id).executeTakeFirst();
    if (!acc) throw new NotFoundError('There is no such account.');
    const read = await authorise(ctx.db, request.me!.actor, 'account.read', { organisationId: acc.organisation_id });
    if (!read.allowed) throw new NotAllowedError(read.reason);
    return acc;
  }

  async function securityPage(request: FastifyRequest<IdParams>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const acc = await target(request);
    const can = async (action: 'account.verify_caller' | 'account.reset_mfa' | 'account.resecure') =>
      (await authorise(ctx.db, request.me!.actor, action, { organisationId: acc.organisation_id })).allowed;
    return render(request, reply, 'admin/account-security', {
      title: `Sign-in security – ${acc.display_name}`,
      nav: 'admin',
      account: acc,
      self: acc.id === request.me!.accountId,
      methods: await mfaMethods(ctx.db, acc.id),
      secret: await accountSecretState(ctx.db, acc.id),
      canVerify: await can('account.verify_caller'),
      canReset: await can('account.reset_mfa'),
      canResecure: await can('account.resecure'),
      ...extra,
    }, status);
  }

  app.get<IdParams>('/admin/accounts/:id/security', { preHandler: requireSignIn }, async (request, reply) => securityPage(request, reply));

  app.post<IdParams>('/admin/accounts/:id/verify-caller', { preHandler: requireSignIn }, async (request, reply) => {
    const acc = await target(request);
    try {
      const { challengeId, positions } = await startCallerCheck(ctx.db, keys(), acc.id, actionCtx(request));
      return render(request, reply, 'admin/verify-caller', { title: 'Authenticate the caller', nav: 'admin', account: acc, challengeId, positions });
    } catch (err) {
      if (!(err instanceof ConflictError) && !(err instanceof CallerCheckBlockedError)) throw err;
      return securityPage(request, reply, { errors: [{ text: err.message, href: '#verify' }] }, 409);
    }
  });

  app.post<IdParams>('/admin/accounts/:id/verify-caller/check', { preHandler: requireSignIn }, async (request, reply) => {
    const acc = await target(request);
    const body = (request.body ?? {}) as Record<string, string>;
    const letters = [1, 2, 3].map((i) => String(body[`letter${i}`] ?? '').slice(0, 4));
    try {
      const result = await finishCallerCheck(ctx.db, keys(), String(body.challengeId ?? ''), letters, actionCtx(request));
      return render(request, reply, 'admin/verify-caller-result', { title: result === 'pass' ? 'Caller authenticated' : 'Caller not authenticated', nav: 'admin', account: acc, pass: result === 'pass' });
    } catch (err) {
      if (!(err instanceof ConflictError) && !(err instanceof CallerCheckBlockedError)) throw err;
      return securityPage(request, reply, { errors: [{ text: err.message, href: '#verify' }] }, 409);
    }
  });

  app.post<IdParams>('/admin/accounts/:id/reset-mfa', { preHandler: requireSignIn }, async (request, reply) => {
    const acc = await target(request);
    await resetMfaByAdmin(ctx.db, acc.id, actionCtx(request));
    return securityPage(request, reply, { notice: `${acc.email}'s second factors have been removed. They will set up new ones when they next sign in.` });
  });

  app.post<IdParams>('/admin/accounts/:id/resecure', { preHandler: requireSignIn }, async (request, reply) => {
    const acc = await target(request);
    const dueBy = await resecureAccount(ctx.db, acc.id, actionCtx(request));
    return securityPage(request, reply, {
      notice: `${acc.email}'s account secret has been reset. They must set a new one by ${dueBy.toLocaleDateString('en-GB', { timeZone: 'Europe/London', dateStyle: 'long' })}.`,
    });
  });

  app.get<{ Params: { code: string } }>('/admin/organisations/:code/mfa', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'organisation.edit');
    return render(request, reply, 'admin/organisation-mfa', { title: `MFA – ${org.name}`, nav: 'admin', org, setting: await organisationMfaSetting(ctx.db, org.id) });
  });

  app.post<{ Params: { code: string } }>('/admin/organisations/:code/mfa', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'organisation.edit');
    const required = (request.body as Record<string, string>)?.required === 'yes';
    await setOrganisationRequiresMfa(ctx.db, org.id, required, actionCtx(request));
    return render(request, reply, 'admin/organisation-mfa', {
      title: `MFA – ${org.name}`, nav: 'admin', org, setting: await organisationMfaSetting(ctx.db, org.id),
      notice: required ? 'Everyone in this organisation must now use MFA.' : 'MFA is no longer required for everyone in this organisation.',
    });
  });
}
