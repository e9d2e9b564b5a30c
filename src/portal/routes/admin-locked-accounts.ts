import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorise, type Action, NotAllowedError, reachableRoots } from '../../identity/authorise.ts';
import { allowSending, markCompromised } from '../../identity/compromise.ts';
import { describeFailureGroup, failureGroups, isLocked, listLockedAccounts, unlockAccount } from '../../identity/lockout.ts';
import { withSignInColumns } from '../../identity/sign-in-tables.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

type IdParams = { Params: { id: string } };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const time = (d: Date) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });

/**
 * Locked accounts and why they are locked (SPEC 4, lockout diagnostics), and
 * the admin's sign-in actions on one account: unlock, mark compromised, allow
 * sending again. Everything within the admin's scope, decided by authorise.
 */
export function registerAdminLockedAccounts(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function accountInScope(request: FastifyRequest, id: string, action: Action) {
    if (!UUID.test(id)) throw new NotFoundError('That account does not exist.');
    const account = await withSignInColumns(ctx.db)
      .selectFrom('accounts as a')
      .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
      .select(['a.id', 'a.email', 'a.display_name', 'a.organisation_id', 'a.locked_until', 'a.failed_attempts', 'a.sending_blocked', 'a.compromised_at', 'o.name as organisation_name', 'o.code as organisation_code'])
      .where('a.id', '=', id)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('That account does not exist.');
    const decision = await authorise(ctx.db, request.me!.actor, action, { organisationId: account.organisation_id });
    if (!decision.allowed) throw new NotAllowedError(decision.reason);
    return account;
  }

  app.get('/admin/locked-accounts', { preHandler: requireSignIn }, async (request, reply) => {
    const scope = await reachableRoots(ctx.db, request.me!.actor, 'account.unlock');
    if (scope !== 'everywhere' && scope.length === 0) throw new NotAllowedError('Only administrators and helpdesk staff can see locked accounts.');
    const locked = await listLockedAccounts(ctx.db, scope);
    const rows = [];
    for (const a of locked) {
      rows.push({ ...a, until: time(a.lockedUntil), sources: (await failureGroups(ctx.db, a.id)).map((g) => describeFailureGroup(g)) });
    }
    const unlocked = (request.query as { unlocked?: string }).unlocked;
    return render(request, reply, 'admin/locked-accounts', {
      title: 'Locked accounts', nav: 'admin', rows,
      notice: unlocked ? `${unlocked.slice(0, 254)} is unlocked and can sign in again.` : undefined,
    });
  });

  app.get<IdParams>('/admin/accounts/:id/sign-in', { preHandler: requireSignIn }, async (request, reply) => {
    const account = await accountInScope(request, request.params.id, 'account.read');
    const actor = request.me!.actor;
    const target = { organisationId: account.organisation_id };
    const groups = await failureGroups(ctx.db, account.id);
    return render(request, reply, 'admin/account-sign-in', {
      title: `Signing in – ${account.display_name}`, nav: 'admin', account,
      locked: isLocked(account.locked_until, new Date()),
      until: account.locked_until ? time(account.locked_until) : null,
      sources: groups.map((g) => describeFailureGroup(g)),
      canUnlock: (await authorise(ctx.db, actor, 'account.unlock', target)).allowed,
      canCompromise: (await authorise(ctx.db, actor, 'account.mark_compromised', target)).allowed,
      notice: (request.query as { done?: string }).done === 'sending' ? 'The account can send mail again.' : undefined,
    });
  });

  app.post<IdParams>('/admin/accounts/:id/unlock', { preHandler: requireSignIn }, async (request, reply) => {
    const account = await accountInScope(request, request.params.id, 'account.unlock');
    await unlockAccount(ctx.db, account.id, { kind: 'admin', actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/locked-accounts?unlocked=${encodeURIComponent(account.email)}`, 303);
  });

  app.post<IdParams>('/admin/accounts/:id/compromised', { preHandler: requireSignIn }, async (request, reply) => {
    const account = await accountInScope(request, request.params.id, 'account.mark_compromised');
    if ((request.body as Record<string, string>)?.confirm !== 'yes') {
      const errors = [{ text: 'Confirm that this account is compromised', href: '#confirm' }];
      const groups = await failureGroups(ctx.db, account.id);
      return render(request, reply, 'admin/account-sign-in', {
        title: `Signing in – ${account.display_name}`, nav: 'admin', account, locked: isLocked(account.locked_until, new Date()),
        until: account.locked_until ? time(account.locked_until) : null, sources: groups.map((g) => describeFailureGroup(g)),
        canUnlock: true, canCompromise: true, errors, fieldErrors: { confirm: errors[0] },
      }, 400);
    }
    const result = await markCompromised(ctx.db, account.id, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    reply.header('cache-control', 'no-store');
    return render(request, reply, 'admin/account-compromised', { title: 'Account marked as compromised', nav: 'admin', account, result });
  });

  app.post<IdParams>('/admin/accounts/:id/allow-sending', { preHandler: requireSignIn }, async (request, reply) => {
    const account = await accountInScope(request, request.params.id, 'account.mark_compromised');
    await allowSending(ctx.db, account.id, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/accounts/${account.id}/sign-in?done=sending`, 303);
  });
}
