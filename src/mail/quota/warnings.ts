import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Notifier } from '../../notify/notifier.ts';
import '../store/tables.ts';

/**
 * Quota warnings at 80%, 90% and 100%: each level is sent once as usage
 * crosses it (the conditional update decides, so two processes never both
 * send), and re-armed when usage drops below it again.
 */
export const WARNING_LEVELS = [80, 90, 100] as const;

export function levelFor(used: number, quota: number): number {
  const pct = quota > 0 ? (used / quota) * 100 : 100;
  return [...WARNING_LEVELS].reverse().find((l) => pct >= l) ?? 0;
}

function gigabytes(n: number): string {
  return `${(n / 1024 ** 3).toFixed(n < 1024 ** 3 ? 2 : 1)} GB`;
}

export function warningText(level: number, used: number, quota: number): { subject: string; text: string } {
  const full = level >= 100;
  return {
    subject: full ? 'Your mailbox is full' : `Your mailbox is ${level}% full`,
    text: [
      `Your mailbox is using ${gigabytes(used)} of ${gigabytes(quota)}${full ? '' : ` (${level}% or more)`}.`,
      '',
      full
        ? 'New mail to you is being held back and will be returned to its senders if space is not freed, and you cannot send mail until you make space.'
        : 'When it is full, you will not be able to send mail and new mail to you will be returned to its senders.',
      '',
      'To make space, delete messages you no longer need (large attachments first) and empty Trash. If you need more space, ask your Local Administrator.',
    ].join('\n'),
  };
}

export async function checkQuotaWarnings(db: Kysely<DB>, notifier: Notifier, accountIds: string[]): Promise<void> {
  if (!accountIds.length) return;
  // One query for every account of a delivery batch; most need nothing, so nothing more is asked of them.
  const rows = await sql<{ id: string; quota: string; used: string | null; warned: number | null }>`
    select a.id, a.mail_quota_bytes as quota, u.used_bytes as used, u.warned_percent as warned
    from accounts a left join mail_usage u on u.account_id = a.id where a.id = any(${accountIds}::uuid[])`.execute(db);
  for (const r of rows.rows) {
    const accountId = r.id;
    const u = { usedBytes: Number(r.used ?? 0), quotaBytes: Number(r.quota), warnedPercent: r.warned ?? 0 };
    const level = levelFor(u.usedBytes, u.quotaBytes);
    if (level === u.warnedPercent) continue;
    if (level < u.warnedPercent) {
      await db.updateTable('mail_usage').set({ warned_percent: level }).where('account_id', '=', accountId).execute();
      continue;
    }
    const claimed = await db
      .updateTable('mail_usage')
      .set({ warned_percent: level })
      .where('account_id', '=', accountId)
      .where('warned_percent', '<', level)
      .executeTakeFirst();
    if (!claimed.numUpdatedRows) continue;
    const account = await db.selectFrom('accounts').select('email').where('id', '=', accountId).executeTakeFirstOrThrow();
    const { subject, text } = warningText(level, u.usedBytes, u.quotaBytes);
    await notifier.email({ to: account.email, subject, text, purpose: `mailbox_quota_${level}`, accountId });
  }
}
