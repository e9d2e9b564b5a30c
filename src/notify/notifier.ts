import type { Kysely } from 'kysely';
import type { CreatedAt, DB } from '../db/schema.ts';

/**
 * SMS and email notifications (password reset codes, warnings, leaver notices)
 * go through one interface, so the provider is a setting: the development
 * outbox (kept in the database and shown at /dev/outbox in demo mode), or a
 * real provider such as GOV.UK Notify.
 */
export type EmailNotice = {
  to: string;
  subject: string;
  text: string;
  /** What the notice is for, e.g. 'password_expiry_reminder': for the outbox page, logs and tests. */
  purpose: string;
  accountId?: string | null;
};

export type SmsNotice = { to: string; text: string; purpose: string; accountId?: string | null };

export interface Notifier {
  email(notice: EmailNotice): Promise<void>;
  sms(notice: SmsNotice): Promise<void>;
}

export type OutboxMessageTable = {
  id: import('kysely').Generated<string>;
  channel: 'email' | 'sms';
  recipient: string;
  subject: string | null;
  body: string;
  account_id: string | null;
  purpose: string;
  created_at: CreatedAt;
};

declare module '../db/schema.ts' {
  interface DB {
    outbox_messages: OutboxMessageTable;
  }
}

/** Keeps every notice in the database instead of sending it. */
export function outboxNotifier(db: Kysely<DB>): Notifier {
  return {
    async email(n) {
      await db
        .insertInto('outbox_messages')
        .values({ channel: 'email', recipient: n.to.toLowerCase(), subject: n.subject, body: n.text, purpose: n.purpose, account_id: n.accountId ?? null })
        .execute();
    },
    async sms(n) {
      await db
        .insertInto('outbox_messages')
        .values({ channel: 'sms', recipient: n.to, subject: null, body: n.text, purpose: n.purpose, account_id: n.accountId ?? null })
        .execute();
    },
  };
}

export async function readOutbox(db: Kysely<DB>, opts: { recipient?: string; purpose?: string; limit?: number } = {}) {
  let q = db.selectFrom('outbox_messages').selectAll();
  if (opts.recipient) q = q.where('recipient', '=', opts.recipient.toLowerCase());
  if (opts.purpose) q = q.where('purpose', '=', opts.purpose);
  return q.orderBy('created_at', 'desc').limit(opts.limit ?? 100).execute();
}
