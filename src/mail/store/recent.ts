import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import './tables.ts';

/**
 * IMAP's \Recent (RFC 3501 2.3.2): a message is recent to the first session
 * that selects its folder after it arrived, and to no other. Each folder keeps
 * the highest UID already announced; claiming raises it to the folder's last
 * UID in one statement under the row's lock, so two sessions in two processes
 * never both get the same message. Recent UIDs are the range (before, after].
 */
export type RecentRange = { before: number; after: number };

/**
 * Claims every message that arrived since the last claim, up to `upToUid` (or
 * the folder's last UID). Called at SELECT and when a selected folder grows.
 */
export async function claimRecent(db: Kysely<DB>, folderId: string, upToUid?: number): Promise<RecentRange> {
  const top = upToUid === undefined ? sql`(select uid_next - 1 from mail_folders where id = ${folderId})` : sql`${upToUid}::bigint`;
  // the locked sub-select returns the row as the last committer left it, so "before" is never stale
  const raise = () => sql<{ before: string; after: string }>`${PREPARED}
    update mail_recent r set announced_uid = greatest(r.announced_uid, ${top})
    from (select folder_id, announced_uid from mail_recent where folder_id = ${folderId} for update) old
    where r.folder_id = old.folder_id
    returning old.announced_uid as before, r.announced_uid as after`.execute(db);
  let r = await raise();
  if (!r.rows.length) {
    const made = await sql<{ after: string }>`
      insert into mail_recent (folder_id, announced_uid) values (${folderId}, coalesce(${top}, 0))
      on conflict (folder_id) do nothing returning announced_uid as after`.execute(db);
    if (made.rows.length) return { before: 0, after: Number(made.rows[0].after) };
    r = await raise();
  }
  const row = r.rows[0];
  if (!row) return { before: 0, after: 0 };
  return { before: Number(row.before), after: Number(row.after) };
}

/** What a claim would return now, without claiming: EXAMINE and STATUS leave \Recent as it is. */
export async function peekRecent(db: Kysely<DB>, folderId: string): Promise<RecentRange> {
  const r = await sql<{ before: string | null; after: string }>`${PREPARED}
    select (select announced_uid from mail_recent where folder_id = f.id) as before, f.uid_next - 1 as after
    from mail_folders f where f.id = ${folderId}`.execute(db);
  const row = r.rows[0];
  if (!row) return { before: 0, after: 0 };
  const after = Number(row.after);
  return { before: Math.min(Number(row.before ?? 0), after), after };
}

/** STATUS RECENT: how many of the folder's messages no session has been told about yet. */
export async function recentCount(db: Kysely<DB>, folderId: string): Promise<number> {
  const r = await sql<{ n: string }>`
    select count(*) as n from mail_messages
    where folder_id = ${folderId} and uid > coalesce((select announced_uid from mail_recent where folder_id = ${folderId}), 0)`.execute(db);
  return Number(r.rows[0].n);
}
