import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { NotFoundError } from '../shared/errors.ts';
import { actorForAudit } from './actor.ts';
import { type Actor, requireAllowed } from './authorise.ts';
import { hashPassword, temporaryPassword } from './password-hash.ts';
import { clearMfa } from './mfa/reset.ts';
import { withSignInColumns } from './sign-in-tables.ts';

/**
 * "Mark as compromised" (SPEC 4): whoever holds the password or a session must
 * lose the account at once. Every session and app password goes, sending stops,
 * the password is replaced by a new temporary one (shown once to the admin, to
 * hand over after checking the caller), and every second factor is removed so
 * the person registers again at their next sign-in.
 */
type Ctx = { actor: Actor; frontDoor: FrontDoor; ip?: string | null; now?: Date };

export async function markCompromised(db: Kysely<DB>, accountId: string, ctx: Ctx): Promise<{ temporaryPassword: string; sessionsEnded: number; appPasswordsRevoked: number }> {
  const password = temporaryPassword();
  const hash = await hashPassword(password);
  const now = ctx.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('accounts').select(['id', 'email', 'organisation_id']).where('id', '=', accountId).forUpdate().executeTakeFirst();
    if (!account) throw new NotFoundError('That account does not exist.');
    await requireAllowed(trx, ctx.actor, 'account.mark_compromised', { organisationId: account.organisation_id });
    await withSignInColumns(trx)
      .updateTable('accounts')
      .set({
        sending_blocked: true, compromised_at: now, password_hash: hash, password_temporary: true, password_changed_at: now,
        failed_attempts: 0, failed_since: null, locked_until: null, updated_at: now,
      })
      .where('id', '=', accountId)
      .execute();
    const sessions = await trx.deleteFrom('sessions').where('account_id', '=', accountId).executeTakeFirst();
    const apps = await trx.deleteFrom('app_passwords').where('account_id', '=', accountId).executeTakeFirst();
    await clearMfa(trx, accountId);
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'account.mark_compromised',
      target: { type: 'account', id: accountId },
      organisationId: account.organisation_id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { email: account.email, sessionsEnded: Number(sessions.numDeletedRows), appPasswordsRevoked: Number(apps.numDeletedRows) },
    });
    return { temporaryPassword: password, sessionsEnded: Number(sessions.numDeletedRows), appPasswordsRevoked: Number(apps.numDeletedRows) };
  });
}

/** Lets a compromised account send again, once the admin is satisfied the person alone holds it. */
export async function allowSending(db: Kysely<DB>, accountId: string, ctx: Ctx): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('accounts').select(['id', 'email', 'organisation_id']).where('id', '=', accountId).forUpdate().executeTakeFirst();
    if (!account) throw new NotFoundError('That account does not exist.');
    await requireAllowed(trx, ctx.actor, 'account.mark_compromised', { organisationId: account.organisation_id });
    await withSignInColumns(trx).updateTable('accounts').set({ sending_blocked: false }).where('id', '=', accountId).execute();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'account.allow_sending',
      target: { type: 'account', id: accountId },
      organisationId: account.organisation_id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { email: account.email },
    });
  });
}
