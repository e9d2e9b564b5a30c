import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { CreatedAt } from '../../db/schema.ts';
import type { Envelope } from '../imap/protocol/envelope.ts';
import type { BodyStructure } from '../imap/protocol/body-structure.ts';

/**
 * The store's tables (migration 0300_mail_store, and those named below). Only src/mail/store reads
 * or writes them; everyone else goes through its functions.
 */
export type MailBlobTable = {
  sha256: string;
  size: number;
  raw: Buffer;
  refs: Generated<number>;
  created_at: CreatedAt;
};

export type MailFolderTable = {
  id: Generated<string>;
  account_id: string;
  name: string;
  special_use: string | null;
  uid_validity: Generated<string>;
  uid_next: Generated<string>;
  highest_modseq: Generated<string>;
  subscribed: Generated<boolean>;
  created_at: CreatedAt;
};

export type MailMessageTable = {
  id: ColumnType<string, never, never>;
  folder_id: string;
  account_id: string;
  uid: ColumnType<string, string | number | bigint, never>;
  blob_sha256: string;
  size: number;
  internal_date: ColumnType<Date, Date | string, Date | string>;
  envelope: JSONColumnType<Envelope>;
  body_structure: JSONColumnType<BodyStructure>;
  sent_date: Date | null;
  subject: Generated<string>;
  from_text: Generated<string>;
  to_text: Generated<string>;
  preview: Generated<string>;
  has_attachments: Generated<boolean>;
  search: ColumnType<string, unknown, unknown>;
};

/**
 * Migration 0510_mail_flags: what changes about a message (flags, \Seen,
 * MODSEQ), one row per message of mail_messages with the same (folder_id, uid),
 * kept apart so that a flag change does not touch the message row's indexes.
 */
export type MailFlagsTable = {
  folder_id: string;
  uid: ColumnType<string, string | number | bigint, never>;
  modseq: ColumnType<string, string | number | bigint, string | number | bigint>;
  flags: ColumnType<string[], string[] | undefined, string[]>;
  seen: ColumnType<boolean, boolean | undefined, boolean>;
  internal_date: ColumnType<Date, Date | string, never>;
};

export type MailExpungedTable = { folder_id: string; uid: string; modseq: string };

/** Migration 0400_imap_recent: the highest UID already announced as \Recent, per folder. */
export type MailRecentTable = { folder_id: string; announced_uid: string };

export type MailUsageTable = {
  account_id: string;
  used_bytes: Generated<string>;
  messages: Generated<string>;
  warned_percent: Generated<number>;
};

declare module '../../db/schema.ts' {
  interface DB {
    mail_blobs: MailBlobTable;
    mail_folders: MailFolderTable;
    mail_messages: MailMessageTable;
    mail_flags: MailFlagsTable;
    mail_expunged: MailExpungedTable;
    mail_usage: MailUsageTable;
    mail_recent: MailRecentTable;
  }
}
