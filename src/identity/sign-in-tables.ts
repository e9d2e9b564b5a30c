import type { Generated, Kysely } from 'kysely';
import type { CreatedAt, DB, Timestamp } from '../db/schema.ts';

/**
 * The shapes of the tables migration 0100 made for signing in safely. The new
 * tables join `DB` by module augmentation; the new columns on `accounts` cannot
 * (its shape is a type alias), so code that reads them asks `withSignInColumns`
 * for a handle that knows them.
 */
export type AccountSignInColumns = {
  failed_attempts: Generated<number>;
  /** When the current run of failures began: diagnostics show failures from here on. */
  failed_since: Timestamp | null;
  /** Locked while this is in the future; unlocks by itself when it passes. */
  locked_until: Timestamp | null;
  /** Set by the compromised-account action; the mail code refuses to send while it is true. */
  sending_blocked: Generated<boolean>;
  compromised_at: Timestamp | null;
};

export type SignInFailureTable = {
  id: Generated<string>;
  account_id: string;
  at: CreatedAt;
  front_door: string;
  client: string | null;
  ip: string | null;
};

export type PasswordHistoryTable = {
  id: Generated<string>;
  account_id: string;
  password_hash: string;
  created_at: CreatedAt;
};

export type AppPasswordTable = {
  id: Generated<string>;
  account_id: string;
  name: string;
  secret_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  last_used_ip: string | null;
  last_used_door: string | null;
};

export type PasswordReminderSentTable = {
  account_id: string;
  password_changed_at: Timestamp;
  days_before: number;
  sent_at: CreatedAt;
};

declare module '../db/schema.ts' {
  interface DB {
    sign_in_failures: SignInFailureTable;
    password_history: PasswordHistoryTable;
    app_passwords: AppPasswordTable;
    password_reminders_sent: PasswordReminderSentTable;
  }
}

export type SignInDB = DB & { accounts: AccountSignInColumns };

export function withSignInColumns(db: Kysely<DB>): Kysely<SignInDB> {
  return db.withTables<{ accounts: AccountSignInColumns }>();
}

/** Whether the account may send mail: false once it has been marked compromised, until an LA clears it. */
export async function sendingBlocked(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await withSignInColumns(db).selectFrom('accounts').select('sending_blocked').where('id', '=', accountId).executeTakeFirst();
  return row?.sending_blocked ?? true;
}
