import type { FastifyInstance } from 'fastify';
import { changePassword } from '../../identity/password-change.ts';
import { MIN_PASSWORD_LENGTH } from '../../identity/policy/password-policy.ts';
import { ValidationError, type FieldProblem } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/**
 * /account/password: the person changes their own password. It works the same
 * when the password is temporary (the first sign-in sends people here) and
 * when it has expired.
 */
export function registerAccountPassword(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function pageValues(accountId: string) {
    const a = await ctx.db.selectFrom('accounts').select(['kind', 'password_temporary']).where('id', '=', accountId).executeTakeFirstOrThrow();
    return { title: 'Change your password', nav: 'account', minLength: MIN_PASSWORD_LENGTH[a.kind], temporary: a.password_temporary };
  }

  app.get('/account/password', { preHandler: requireSignIn }, async (request, reply) => {
    const changed = (request.query as { changed?: string }).changed === '1';
    return render(request, reply, 'account/password', { ...(await pageValues(request.me!.accountId)), changed });
  });

  app.post('/account/password', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    const body = (request.body ?? {}) as Record<string, string>;
    const current = String(body.currentPassword ?? '').slice(0, 1024);
    const next = String(body.newPassword ?? '').slice(0, 1024);
    const confirm = String(body.confirmPassword ?? '').slice(0, 1024);
    const problems: FieldProblem[] = [];
    if (!current) problems.push({ field: 'currentPassword', message: 'Enter your current password' });
    if (!next) problems.push({ field: 'newPassword', message: 'Enter a new password' });
    else if (next !== confirm) problems.push({ field: 'confirmPassword', message: 'The passwords do not match. Type the new password again in both boxes.' });
    try {
      if (problems.length) throw new ValidationError(problems);
      await changePassword(ctx.db, me.accountId, current, next, {
        frontDoor: 'portal', ip: request.ip, client: request.headers['user-agent'] ?? null, keepSessionHash: request.session?.idHash ?? null,
      });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'account/password', {
        ...(await pageValues(me.accountId)),
        // Every broken rule is listed in the summary, so the person can fix them all at once.
        errors: errorSummary(err.problems),
        fieldErrors: fieldErrors(err.problems),
      }, 400);
    }
    return reply.redirect('/account/password?changed=1', 303);
  });
}
