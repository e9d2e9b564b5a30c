import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt } from '../../db/schema.ts';

/** The delivery queue (migration 0301_mail_queue). Only src/mail/queue and src/mail/delivery use it. */
export type MailQueueTable = {
  id: ColumnType<string, never, never>;
  kind: 'local' | 'remote';
  blob_sha256: string;
  /** The envelope sender; '' for a bounce (null sender), which is never bounced again. */
  mail_from: string;
  recipients: string[];
  domain: string | null;
  /** 'mx', 'submission' or 'system': where the message came from. */
  origin: string;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Date | null;
  last_error: string | null;
  queued_at: CreatedAt;
};

export type MailDkimKeyTable = {
  domain: string;
  selector: string;
  private_key_pem: string;
  public_key_base64: string;
  created_at: CreatedAt;
};

declare module '../../db/schema.ts' {
  interface DB {
    mail_queue: MailQueueTable;
    mail_dkim_keys: MailDkimKeyTable;
  }
}

export type { Generated };
