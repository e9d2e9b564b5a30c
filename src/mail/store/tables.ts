import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { CreatedAt } from '../../db/schema.ts';
import type { Envelope } from '../imap/protocol/envelope.ts';
import type { BodyStructure } from '../imap/protocol/body-structure.ts';

/**
 * The store's tables (migration 0300_mail_store). Only src/mail/store reads
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
  modseq: ColumnType<string, string | number | bigint, string | number | bigint>;
  blob_sha256: string;
  size: number;
  internal_date: ColumnType<Date, Date | string, Date | string>;
  flags: ColumnType<string[], string[] | undefined, string[]>;
  seen: ColumnType<boolean, boolean | undefined, boolean>;
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

export type MailExpungedTable = { folder_id: string; uid: string; modseq: string };

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
    mail_expunged: MailExpungedTable;
    mail_usage: MailUsageTable;
  }
}
