import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ListOptions, MessageListItem } from './read.ts';
import './tables.ts';

/**
 * Webmail over big folders: counts come from `mail_folder_counts` (kept by
 * triggers, migration 0500_webmail) instead of counting rows, and every sort
 * order has an index, so a page of a 50,000-message folder reads about fifty
 * rows whatever the order. Flags come from mail_flags (migration 0510_mail_flags).
 */
export type MailFolderCountsTable = { folder_id: string; messages: string; unseen: string; bytes: string };

declare module '../../db/schema.ts' {
  interface DB {
    mail_folder_counts: MailFolderCountsTable;
  }
}

export type FolderTotals = { messages: number; unseen: number; bytes: number };

/** Every folder of an account with its counts (folders never written to are absent: zero). */
export async function folderTotals(db: Kysely<DB>, accountId: string): Promise<Map<string, FolderTotals>> {
  const rows = await db
    .selectFrom('mail_folder_counts as c')
    .innerJoin('mail_folders as f', 'f.id', 'c.folder_id')
    .select(['c.folder_id', 'c.messages', 'c.unseen', 'c.bytes'])
    .where('f.account_id', '=', accountId)
    .execute();
  return new Map(rows.map((r) => [r.folder_id, { messages: Number(r.messages), unseen: Number(r.unseen), bytes: Number(r.bytes) }]));
}

// Unread pages sorted by arrival are read from mail_flags' partial index on (folder_id, internal_date) where not seen.
const ORDER = {
  date: (unseen: boolean) => [unseen ? sql`f.internal_date` : sql`m.internal_date`],
  from: () => [sql`lower(left(m.from_text, 200))`],
  subject: () => [sql`lower(left(m.subject, 200))`],
  size: () => [sql`m.size`],
} as const;

/** One page of a folder, sorted (date, sender, subject or size; uid breaks ties), with the folder's total from its counts. */
export async function listFolderPage(db: Kysely<DB>, folderId: string, opts: ListOptions = {}): Promise<{ total: number; items: MessageListItem[] }> {
  const counts = await db.selectFrom('mail_folder_counts').select(['messages', 'unseen']).where('folder_id', '=', folderId).executeTakeFirst();
  const unseen = opts.unseenOnly ?? false;
  const total = Number((unseen ? counts?.unseen : counts?.messages) ?? 0);
  const dir = (opts.descending ?? true) ? sql`desc` : sql`asc`;
  const order = sql.join([...ORDER[opts.sort ?? 'date'](unseen), unseen ? sql`f.uid` : sql`m.uid`].map((c) => sql`${c} ${dir}`));
  const rows = await sql<{
    folder_id: string; uid: string; internal_date: Date; sent_date: Date | null; size: number; flags: string[]; seen: boolean;
    subject: string; from_text: string; to_text: string; preview: string; has_attachments: boolean;
  }>`
    select m.folder_id, m.uid, m.internal_date, m.sent_date, m.size, f.flags, f.seen, m.subject, m.from_text, m.to_text, m.preview, m.has_attachments
    from mail_messages m join mail_flags f on f.folder_id = m.folder_id and f.uid = m.uid
    where m.folder_id = ${folderId} and f.folder_id = ${folderId} ${unseen ? sql`and not f.seen` : sql``}
    order by ${order} limit ${Math.min(opts.limit ?? 50, 500)} offset ${opts.offset ?? 0}`.execute(db);
  return {
    total,
    items: rows.rows.map((r) => ({
      folderId: r.folder_id, uid: Number(r.uid), internalDate: r.internal_date, sentDate: r.sent_date, size: r.size, flags: r.flags,
      seen: r.seen, subject: r.subject, from: r.from_text, to: r.to_text, preview: r.preview, hasAttachments: r.has_attachments,
    })),
  };
}
