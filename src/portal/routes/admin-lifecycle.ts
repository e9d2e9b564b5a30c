import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccount, STATUS_LABELS } from '../../directory/accounts.ts';
import { findLeaverByEmail } from '../../directory/leavers.ts';
import { acceptJoiner, disableAccount, enableAccount, type LifecycleContext, lifecyclePolicy, markLeaver, moveAccount, restoreAccount } from '../../directory/lifecycle.ts';
import { listSubtree, listUnits } from '../../directory/organisations.ts';
import { authorise, NotAllowedError, reachableRoots } from '../../identity/authorise.ts';
import { ROLE_LABELS, isRole } from '../../identity/roles.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

type IdParams = { Params: { id: string } };
const UUID = /^[0-9a-f-]{36}$/i;

/** An account's page for administrators, with the lifecycle actions (SPEC 3) they may take. */
export function registerAdminLifecycle(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const policy = lifecyclePolicy(ctx.settings);
  const lctx = (request: FastifyRequest): LifecycleContext & { domain: string } => ({
    actor: request.me!.actor, frontDoor: 'portal', ip: request.ip, notifier: ctx.notifier, policy, domain: ctx.settings.domain,
  });

  async function accountPage(request: FastifyRequest, reply: FastifyReply, id: string, extra: Record<string, unknown> = {}, status = 200) {
    if (!UUID.test(id)) return reply.callNotFound();
    const account = await getAccount(ctx.db, id);
    const may = async (action: 'account.read' | 'account.lifecycle') => (await authorise(ctx.db, request.me!.actor, action, { organisationId: account.organisation_id })).allowed;
    if (!(await may('account.read'))) throw new NotAllowedError('You can only see accounts in the organisations you administer.');
    const roles = await ctx.db.selectFrom('account_roles as r').innerJoin('organisations as o', 'o.id', 'r.organisation_id')
      .select(['r.role', 'o.name', 'o.code']).where('r.account_id', '=', id).execute();
    return render(request, reply, 'admin/account', {
      title: account.display_name, nav: 'admin', account, statusLabel: STATUS_LABELS[account.status],
      canLifecycle: await may('account.lifecycle'), units: await listUnits(ctx.db, account.organisation_id), leaverDays: policy.leaverDays,
      roles: roles.map((r) => ({ ...r, label: isRole(r.role) ? ROLE_LABELS[r.role] : r.role })),
      values: {}, ...extra,
    }, status);
  }

  /** Runs an action; a refusal the person can act on comes back on the account page. */
  async function act(request: FastifyRequest<IdParams>, reply: FastifyReply, work: () => Promise<unknown>, notice: string) {
    try {
      await work();
    } catch (err) {
      if (err instanceof ValidationError) {
        return accountPage(request, reply, request.params.id, { errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems), values: request.body }, 400);
      }
      if (err instanceof ConflictError) return accountPage(request, reply, request.params.id, { errors: [{ text: err.message, href: '#actions' }] }, 409);
      throw err;
    }
    return reply.redirect(`/admin/accounts/${request.params.id}?done=${encodeURIComponent(notice)}`, 303);
  }

  app.get<IdParams>('/admin/accounts/:id', { preHandler: requireSignIn }, async (request, reply) => {
    const done = (request.query as { done?: string }).done;
    return accountPage(request, reply, request.params.id, done ? { notice: done.slice(0, 200) } : {});
  });
  app.post<IdParams>('/admin/accounts/:id/leaver', { preHandler: requireSignIn }, async (request, reply) =>
    act(request, reply, () => markLeaver(ctx.db, request.params.id, lctx(request)), 'Marked as a leaver. They have been told by email.'));
  app.post<IdParams>('/admin/accounts/:id/disable', { preHandler: requireSignIn }, async (request, reply) =>
    act(request, reply, () => disableAccount(ctx.db, request.params.id, request.body, lctx(request)), 'Account disabled. It still receives mail.'));
  app.post<IdParams>('/admin/accounts/:id/enable', { preHandler: requireSignIn }, async (request, reply) =>
    act(request, reply, () => enableAccount(ctx.db, request.params.id, lctx(request)), 'Account enabled.'));
  app.post<IdParams>('/admin/accounts/:id/restore', { preHandler: requireSignIn }, async (request, reply) =>
    act(request, reply, () => restoreAccount(ctx.db, request.params.id, lctx(request)), 'Account restored.'));
  app.post<IdParams>('/admin/accounts/:id/move', { preHandler: requireSignIn }, async (request, reply) =>
    act(request, reply, () => moveAccount(ctx.db, request.params.id, request.body, lctx(request)), 'Account moved.'));

  /** The open organisations the LA may take joiners into, for a choice list; null means "type a code". */
  async function joinableOrganisations(request: FastifyRequest) {
    const roots = await reachableRoots(ctx.db, request.me!.actor, 'account.lifecycle');
    if (roots === 'everywhere') return null;
    const out = [];
    for (const root of roots) for (const o of await listSubtree(ctx.db, root)) if (o.status === 'open') out.push({ code: o.code, name: o.name });
    return out.slice(0, 300);
  }

  app.get('/admin/joiners', { preHandler: requireSignIn }, async (request, reply) => {
    const email = String((request.query as { email?: string }).email ?? '').trim();
    const base = { title: 'Accept a joiner', nav: 'admin', email, values: {}, organisations: await joinableOrganisations(request) };
    if (!email) return render(request, reply, 'admin/joiner', base);
    try {
      return render(request, reply, 'admin/joiner', { ...base, leaver: await findLeaverByEmail(ctx.db, request.me!.actor, email) });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return render(request, reply, 'admin/joiner', { ...base, errors: [{ text: err.message, href: '#email' }], fieldErrors: { email: { text: err.message } } }, 404);
    }
  });

  app.post<IdParams>('/admin/joiners/:id', { preHandler: requireSignIn }, async (request, reply) => {
    if (!UUID.test(request.params.id)) return reply.callNotFound();
    const body = (request.body ?? {}) as Record<string, string>;
    try {
      const r = await acceptJoiner(ctx.db, request.params.id, body, lctx(request));
      return render(request, reply, 'admin/joiner-done', { title: 'Joiner accepted', nav: 'admin', joined: r });
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof ConflictError)) throw err;
      const leaver = await findLeaverByEmail(ctx.db, request.me!.actor, body.email ?? '').catch(() => null);
      const problems = err instanceof ValidationError ? err.problems : [{ field: 'organisationCode', message: err.message }];
      return render(request, reply, 'admin/joiner', {
        title: 'Accept a joiner', nav: 'admin', email: body.email, leaver, values: body, organisations: await joinableOrganisations(request), errors: errorSummary(problems), fieldErrors: fieldErrors(problems),
      }, 400);
    }
  });
}
