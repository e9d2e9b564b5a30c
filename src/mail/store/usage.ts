import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './tables.ts';

/**
 * Bytes used per account, kept exact by the store's triggers (every insert and
 * delete of a message row, cascades included), and the account's quota.
 */
export type MailboxUsage = { usedBytes: number; quotaBytes: number; messages: number; warnedPercent: number };

export const STANDARD_QUOTA_BYTES = 4 * 1024 ** 3;
export const ENHANCED_QUOTA_BYTES = 50 * 1024 ** 3;

export class QuotaExceededError extends Error {
  constructor(message = 'The mailbox is full. Delete some messages, empty Deleted Items, or ask your administrator for more space.') {
    super(message);
  }
}

export async function mailboxUsage(db: Kysely<DB>, accountId: string): Promise<MailboxUsage> {
  const row = await sql<{ quota: string; used: string | null; messages: string | null; warned: number | null }>`
    select a.mail_quota_bytes as quota, u.used_bytes as used, u.messages, u.warned_percent as warned
    from accounts a left join mail_usage u on u.account_id = a.id where a.id = ${accountId}`.execute(db);
  const r = row.rows[0];
  if (!r) throw new Error(`Account ${accountId} does not exist.`);
  return { usedBytes: Number(r.used ?? 0), quotaBytes: Number(r.quota), messages: Number(r.messages ?? 0), warnedPercent: r.warned ?? 0 };
}

export async function wouldExceedQuota(db: Kysely<DB>, accountId: string, extraBytes: number): Promise<boolean> {
  const u = await mailboxUsage(db, accountId);
  return u.usedBytes + extraBytes > u.quotaBytes;
}

export async function setQuota(db: Kysely<DB>, accountId: string, quotaBytes: number): Promise<void> {
  await sql`update accounts set mail_quota_bytes = ${quotaBytes} where id = ${accountId}`.execute(db);
}
