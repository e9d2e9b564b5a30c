import type { ColumnType, Generated, JSONColumnType, Kysely } from 'kysely';
import type { CreatedAt, DB, Timestamp } from '../../db/schema.ts';

/**
 * The shapes of what migration 0150 made: second factors, ceremonies, the
 * first sign-in checklist, recovery and the account secret. New columns on
 * `accounts` and `organisations` cannot join `DB` by augmentation (their shapes
 * are type aliases), so code that reads them asks `withMfaColumns` for a handle.
 */
export type AccountMfaColumns = {
  aup_version: string | null;
  aup_accepted_at: Timestamp | null;
  profile_confirmed_at: Timestamp | null;
  /** The mobile number a code was last confirmed on; recovery by SMS needs it to equal `mobile`. */
  mobile_verified: string | null;
  sms_mfa: Generated<boolean>;
  secret_enc: string | null;
  secret_set_at: Timestamp | null;
  /** Set by "re-secure": a new secret is needed by then. */
  secret_due_by: Timestamp | null;
};

export type OrganisationMfaColumns = { require_mfa: Generated<boolean> };

export type MfaTotpTable = {
  account_id: string;
  secret_enc: string;
  confirmed: Generated<boolean>;
  last_time_step: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  created_at: CreatedAt;
};

export type MfaPasskeyTable = {
  id: Generated<string>;
  account_id: string;
  credential_id: string;
  public_key: string;
  counter: ColumnType<string, number | string | undefined, number | string>;
  transports: string | null;
  name: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
};

export type WebauthnChallengeTable = {
  id: Generated<string>;
  challenge: string;
  account_id: string | null;
  purpose: 'register' | 'authenticate';
  expires_at: Timestamp;
};

export type OneTimeCodeTable = {
  id: Generated<string>;
  account_id: string;
  purpose: string;
  code_hash: string;
  sent_to: string;
  attempts: Generated<number>;
  expires_at: Timestamp;
  created_at: CreatedAt;
};

export type PendingSignInTable = {
  id_hash: string;
  account_id: string;
  next: string | null;
  attempts: Generated<number>;
  expires_at: Timestamp;
  created_at: CreatedAt;
};

export type SecurityAnswerTable = {
  account_id: string;
  position: number;
  question_id: string;
  answer_enc: string;
  created_at: CreatedAt;
};

export type AccountSecretHistoryTable = { id: Generated<string>; account_id: string; secret_mac: string; created_at: CreatedAt };

export type CharacterChallengeTable = {
  id: Generated<string>;
  kind: string;
  account_id: string | null;
  asked_by: string | null;
  detail: JSONColumnType<Record<string, unknown>>;
  expires_at: Timestamp;
};

export type CallerCheckStateTable = { account_id: string; failures: Generated<number>; blocked_until: Timestamp | null };

export type RateLimitEventTable = { id: Generated<string>; bucket: string; at: CreatedAt };

export type SelfServiceFlowTable = {
  id_hash: string;
  account_id: string | null;
  method: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  proven_at: Timestamp | null;
  expires_at: Timestamp;
};

declare module '../../db/schema.ts' {
  interface DB {
    mfa_totp: MfaTotpTable;
    mfa_passkeys: MfaPasskeyTable;
    webauthn_challenges: WebauthnChallengeTable;
    one_time_codes: OneTimeCodeTable;
    pending_sign_ins: PendingSignInTable;
    security_answers: SecurityAnswerTable;
    account_secret_history: AccountSecretHistoryTable;
    character_challenges: CharacterChallengeTable;
    caller_check_state: CallerCheckStateTable;
    rate_limit_events: RateLimitEventTable;
    self_service_flows: SelfServiceFlowTable;
  }
}

export type MfaDB = DB & { accounts: AccountMfaColumns; organisations: OrganisationMfaColumns };

export function withMfaColumns(db: Kysely<DB>): Kysely<MfaDB> {
  return db.withTables<{ accounts: AccountMfaColumns; organisations: OrganisationMfaColumns }>();
}
