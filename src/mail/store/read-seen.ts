import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import { newFlags, raiseModseqAfterUpdate } from './flags.ts';
import { type FetchColumns, type Row, type StoredMessage, toStored } from './read.ts';
import './tables.ts';

/** A message read by `readMarkingSeen`; `markedSeen` when this read set its \Seen. */
export type ReadMessage = StoredMessage & { markedSeen: boolean };

/**
 * IMAP's FETCH BODY[] (without .PEEK): reads the messages and sets \Seen on
 * those that lacked it, in one statement and so one round trip. The folder row
 * is locked only when one of them is unseen, so reading mail already read
 * writes nothing and waits for no one. The messages marked get the folder's
 * next MODSEQ and their new flags; a notification goes out as for any flag
 * change (see `setFlags`, whose commit likewise does not wait for the disk).
 * `changedSince` (CONDSTORE) limits both the reading and the marking.
 */
export async function readMarkingSeen(
  db: Kysely<DB>,
  folderId: string,
  uids: number[],
  cols: FetchColumns,
  changedSince?: number,
): Promise<ReadMessage[]> {
  if (!uids.length) return [];
  const since = changedSince === undefined ? null : String(changedSince);
  const lazyCommit = db.isTransaction ? sql`` : sql`, set_config('synchronous_commit', 'off', true)`;
  const seen = newFlags('add', ['\\Seen']);
  const structure = cols.bodyStructure ?? true;
  const rows = await sql<Row & { marked: boolean }>`${PREPARED}
    with lock as (
      select highest_modseq + 1 as modseq ${lazyCommit} from mail_folders
      where id = ${folderId} and exists (
        select 1 from mail_flags where folder_id = ${folderId} and uid = any(${uids}::bigint[]) and not seen
          and (${since}::bigint is null or modseq > ${since}::bigint))
      for update
    ),
    upd as (
      update mail_flags m set flags = ${seen}, seen = true, modseq = (select modseq from lock)
      where m.folder_id = ${folderId} and m.uid = any(${uids}::bigint[]) and not m.seen
        and (select modseq from lock) is not null
        and (${since}::bigint is null or m.modseq > ${since}::bigint)
      returning m.uid, m.modseq, m.flags
    ),
    ${raiseModseqAfterUpdate(folderId)}
    select m.folder_id, m.uid, coalesce(u.modseq, f.modseq) as modseq, m.size, m.internal_date, coalesce(u.flags, f.flags) as flags,
      m.envelope, m.blob_sha256, ${structure ? sql`m.body_structure` : sql`null`} as body_structure,
      ${cols.raw ? sql`(select b.raw from mail_blobs b where b.sha256 = m.blob_sha256)` : sql`null`} as raw,
      u.uid is not null as marked
    from mail_messages m
    join mail_flags f on f.folder_id = m.folder_id and f.uid = m.uid
    left join upd u on u.uid = m.uid
    where m.folder_id = ${folderId} and m.uid = any(${uids}::bigint[])
      and (${since}::bigint is null or f.modseq > ${since}::bigint or u.uid is not null)
    order by m.uid`.execute(db);
  return rows.rows.map((r) => Object.assign(toStored(r), { markedSeen: r.marked }));
}
