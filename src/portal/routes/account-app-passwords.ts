import type { FastifyInstance } from 'fastify';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../../identity/app-passwords.ts';
import { FRONT_DOOR_LABELS } from '../../identity/lockout.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

const when = (d: Date | null) => (d ? d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' }) : null);

/** /account/app-passwords: one password per mail program or phone, shown once, revocable. */
export function registerAccountAppPasswords(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function listPage(accountId: string, extra: Record<string, unknown> = {}) {
    const rows = (await listAppPasswords(ctx.db, accountId)).map((r) => ({
      ...r,
      created: when(r.createdAt),
      lastUsed: r.lastUsedAt ? `${when(r.lastUsedAt)} from ${r.lastUsedIp ?? 'an unknown address'} (${FRONT_DOOR_LABELS[r.lastUsedDoor ?? ''] ?? r.lastUsedDoor})` : 'Never used',
    }));
    return { title: 'App passwords', nav: 'account', rows, values: {}, ...extra };
  }

  app.get('/account/app-passwords', { preHandler: requireSignIn }, async (request, reply) => {
    const revoked = (request.query as { revoked?: string }).revoked;
    return render(request, reply, 'account/app-passwords', await listPage(request.me!.accountId, { notice: revoked ? `The app password "${revoked.slice(0, 60)}" was revoked. Programs using it can no longer sign in.` : undefined }));
  });

  app.post('/account/app-passwords', { preHandler: requireSignIn }, async (request, reply) => {
    const name = String((request.body as Record<string, string>)?.name ?? '');
    try {
      const created = await createAppPassword(ctx.db, request.me!.accountId, name, { frontDoor: 'portal', ip: request.ip });
      reply.header('cache-control', 'no-store');
      return render(request, reply, 'account/app-password-created', { title: 'App password created', nav: 'account', created }, 201);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'account/app-passwords', await listPage(request.me!.accountId, {
        values: { name }, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems),
      }), 400);
    }
  });

  app.post<{ Params: { id: string } }>('/account/app-passwords/:id/revoke', { preHandler: requireSignIn }, async (request, reply) => {
    const id = request.params.id;
    const rows = await listAppPasswords(ctx.db, request.me!.accountId);
    const row = rows.find((r) => r.id === id);
    if (!/^[0-9a-f-]{36}$/.test(id) || !row) {
      return render(request, reply, 'error', { title: 'Not found', heading: 'That app password does not exist', message: 'It may have been revoked already. Go back to your app passwords.' }, 404);
    }
    await revokeAppPassword(ctx.db, request.me!.accountId, id, { frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/account/app-passwords?revoked=${encodeURIComponent(row.name)}`, 303);
  });
}
