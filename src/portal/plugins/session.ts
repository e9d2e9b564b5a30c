import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountActor } from '../../identity/actor.ts';
import { ADMIN_ROLES } from '../../identity/roles.ts';
import { loadSession } from '../../identity/sessions.ts';
import type { PortalContext } from '../context.ts';

export const SESSION_COOKIE = 'caremail_session';

/** Loads the signed-in person (if any) for every request, from the database. */
export function registerSessionLoader(app: FastifyInstance, ctx: PortalContext): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('me', null);
  const policy = { idleMinutes: ctx.settings.sessionIdleMinutes, maxHours: ctx.settings.sessionMaxHours };
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/assets/') || request.url === '/healthz' || request.url === '/metrics') return;
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await loadSession(ctx.db, token, policy);
    if (!session) return;
    const account = await ctx.db
      .selectFrom('accounts')
      .select(['id', 'email', 'display_name', 'organisation_id', 'status'])
      .where('id', '=', session.accountId)
      .executeTakeFirst();
    if (!account || !['active', 'leaver', 'inactive'].includes(account.status)) return;
    const actor = await accountActor(ctx.db, account.id);
    const grants = actor.kind === 'account' ? actor.grants : [];
    request.session = session;
    request.sessionToken = token;
    request.me = {
      accountId: account.id,
      email: account.email,
      displayName: account.display_name,
      organisationId: account.organisation_id,
      grants,
      actor,
      isAdmin: grants.some((g) => ADMIN_ROLES.has(g.role) || g.role === 'audit'),
    };
  });
}

/** For pages that need a signed-in person: everyone else is sent to sign in, and comes back after. */
export async function requireSignIn(request: FastifyRequest, reply: FastifyReply) {
  if (!request.me) {
    const next = encodeURIComponent(request.url);
    return reply.redirect(`/sign-in?next=${next}`, 303);
  }
}
