import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, DefaultedTimestamp } from '../../db/schema.ts';
import type { SealedMessageJson } from './envelope-crypto.ts';

/** Tables of secure messaging (migration 0600_secure_messaging); only src/mail/secure uses them. */
export type SecureAccreditedDomainTable = {
  domain: string;
  organisation: string;
  accredited_until: Date | null;
  updated_by: string;
  updated_at: DefaultedTimestamp;
};

type Json<T> = ColumnType<T, string | null, string | null>;

export type SecureMessageTable = {
  id: Generated<string>;
  sender_account_id: string;
  sender_address: string;
  recipient_address: string;
  reason: string;
  sealed_message: Json<SealedMessageJson | null>;
  sealed_subject: Json<SealedMessageJson | null>;
  size_bytes: number;
  link_token_hash: string;
  created_at: DefaultedTimestamp;
  expires_at: ColumnType<Date, Date, Date>;
  revoked_at: Date | null;
  erased_at: Date | null;
  first_read_at: Date | null;
  last_read_at: Date | null;
  read_count: Generated<number>;
  replies: Generated<number>;
  code_salt: Buffer | null;
  code_hash: Buffer | null;
  code_expires_at: Date | null;
  code_attempts: Generated<number>;
  codes_sent: Generated<number>;
};

export type SecureReaderSessionTable = {
  token_hash: string;
  message_id: string;
  expires_at: Date;
  created_at: CreatedAt;
};

export type SecureSpoofAttemptTable = {
  id: ColumnType<string, never, never>;
  claimed_from: string;
  mail_from: string;
  helo: string;
  client_hostname: string;
  ip: string;
  organisation: string | null;
  results: string;
  at: DefaultedTimestamp;
};

export type SecureKnownSenderTable = {
  id: Generated<string>;
  organisation: string;
  network: string | null;
  host_suffix: string | null;
  created_at: CreatedAt;
};

export type SecureSettingTable = { name: string; value: string; updated_by: string; updated_at: DefaultedTimestamp };

export type SecureOrgPolicyTable = { organisation_id: string; approval_required: boolean; updated_at: DefaultedTimestamp };

export type SecureSenderApprovalTable = { account_id: string; approved_by: string; approved_at: DefaultedTimestamp };

declare module '../../db/schema.ts' {
  interface DB {
    secure_accredited_domains: SecureAccreditedDomainTable;
    secure_messages: SecureMessageTable;
    secure_reader_sessions: SecureReaderSessionTable;
    secure_spoof_attempts: SecureSpoofAttemptTable;
    secure_known_senders: SecureKnownSenderTable;
    secure_settings: SecureSettingTable;
    secure_org_policies: SecureOrgPolicyTable;
    secure_sender_approvals: SecureSenderApprovalTable;
  }
}
