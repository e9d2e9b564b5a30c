import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { passwordMatches } from './password-hash.ts';

/**
 * The one password check every front door uses (Portal now; SMTP AUTH and IMAP
 * LOGIN call the same function). Whatever the reason for refusing, the caller
 * gets the same answer, so the door cannot be used to learn which accounts
 * exist or are locked; the reason is kept for the audit trail and for LAs.
 */
export type PasswordContext = {
  frontDoor: FrontDoor;
  ip?: string | null;
  /** User agent, IMAP ID or similar: which device or program tried. */
  client?: string | null;
  /** Demo passwords are refused unless the service runs in demo mode. */
  demoMode: boolean;
};

export type VerifyResult =
  | { ok: true; accountId: string; mustChangePassword: boolean }
  | { ok: false; reason: 'unknown_account' | 'wrong_password' | 'not_active' | 'demo_disabled' | 'no_password' };

const CAN_SIGN_IN = new Set(['active', 'leaver', 'inactive']);

export async function verifyPassword(db: Kysely<DB>, email: string, password: string, ctx: PasswordContext): Promise<VerifyResult> {
  const address = email.trim().toLowerCase();
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'organisation_id', 'email', 'password_hash', 'status', 'demo', 'password_temporary'])
    .where('email', '=', address)
    .executeTakeFirst();
  const matches = await passwordMatches(account?.password_hash ?? null, password);
  let result: VerifyResult;
  if (!account) result = { ok: false, reason: 'unknown_account' };
  else if (!account.password_hash) result = { ok: false, reason: 'no_password' };
  else if (!matches) result = { ok: false, reason: 'wrong_password' };
  else if (account.demo && !ctx.demoMode) result = { ok: false, reason: 'demo_disabled' };
  else if (!CAN_SIGN_IN.has(account.status)) result = { ok: false, reason: 'not_active' };
  else result = { ok: true, accountId: account.id, mustChangePassword: account.password_temporary };

  await db.transaction().execute(async (trx) => {
    if (result.ok) {
      await trx.updateTable('accounts').set({ last_sign_in_at: new Date() }).where('id', '=', account!.id).execute();
    }
    await appendAudit(trx, {
      actor: { id: account?.id ?? null, label: address.slice(0, 254) },
      action: 'sign_in',
      outcome: result.ok ? 'success' : 'failure',
      target: account ? { type: 'account', id: account.id } : null,
      organisationId: account?.organisation_id ?? null,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { client: ctx.client ?? null, ...(result.ok ? {} : { reason: result.reason }) },
    });
  });
  return result;
}
