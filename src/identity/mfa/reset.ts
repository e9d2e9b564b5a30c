import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withMfaColumns } from './tables.ts';

/** Removes every second factor of an account, so it must register again. */
export async function clearMfa(db: Kysely<DB>, accountId: string): Promise<void> {
  await db.deleteFrom('mfa_totp').where('account_id', '=', accountId).execute();
  await db.deleteFrom('mfa_passkeys').where('account_id', '=', accountId).execute();
  await db.deleteFrom('webauthn_challenges').where('account_id', '=', accountId).execute();
  await db.deleteFrom('pending_sign_ins').where('account_id', '=', accountId).execute();
  await withMfaColumns(db).updateTable('accounts').set({ sms_mfa: false }).where('id', '=', accountId).execute();
}
