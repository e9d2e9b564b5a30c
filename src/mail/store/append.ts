import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import { FOLDER_CHANNEL } from './changes.ts';
import { summarise } from './summarise.ts';
import { QuotaExceededError } from './usage.ts';
import { normaliseFlags, SEARCH_CONFIG, sha256Hex, type StoredCopy } from './write.ts';
import './tables.ts';

/**
 * APPEND (IMAP), saving a draft or a copy in Sent (webmail): one message into
 * one folder of its owner, within the owner's quota.
 *
 * One statement does what delivery's path does in several (quota check, the
 * bytes, the folder's next UID and MODSEQ, the message and flag rows, the
 * notification), so an APPEND costs one round trip and one commit. The locks are taken in the same
 * order as delivery's (the bytes, then the folder), so the two cannot deadlock.
 */
export async function appendMessage(
  db: Kysely<DB>,
  folder: { id: string; accountId: string },
  raw: Buffer,
  opts: { flags?: string[]; internalDate?: Date; enforceQuota?: boolean } = {},
): Promise<StoredCopy> {
  const s = summarise(raw);
  const sha = sha256Hex(raw);
  const flags = normaliseFlags(opts.flags ?? []);
  const internalDate = opts.internalDate ?? new Date();
  const r = await sql<{ room: boolean | null; uid: string | null; modseq: string | null }>`${PREPARED}
    with room as (
      select ${!(opts.enforceQuota ?? true)}::boolean or coalesce(u.used_bytes, 0) + ${raw.length} <= a.mail_quota_bytes as ok
      from accounts a left join mail_usage u on u.account_id = a.id where a.id = ${folder.accountId}
    ),
    blob as (
      insert into mail_blobs (sha256, size, raw) select ${sha}, ${raw.length}, ${raw} where (select ok from room)
      on conflict (sha256) do update set refs = mail_blobs.refs
      returning sha256
    ),
    f as (
      update mail_folders set uid_next = uid_next + 1, highest_modseq = highest_modseq + 1
      where id = ${folder.id} and exists (select 1 from blob)
      returning id, account_id, uid_next - 1 as uid, highest_modseq as modseq
    ),
    m as (
      insert into mail_messages (folder_id, account_id, uid, blob_sha256, size, internal_date,
        envelope, body_structure, sent_date, subject, from_text, to_text, preview, has_attachments, search)
      select f.id, f.account_id, f.uid, ${sha}, ${raw.length}, ${internalDate}::timestamptz,
        ${JSON.stringify(s.envelope)}::jsonb, ${JSON.stringify(s.bodyStructure)}::jsonb,
        ${s.sentDate}::timestamptz, ${s.subject}, ${s.fromText}, ${s.toText}, ${s.preview}, ${s.hasAttachments},
        to_tsvector(${sql.lit(SEARCH_CONFIG)}::regconfig, ${s.searchText})
      from f
      returning uid
    ),
    fl as (
      insert into mail_flags (folder_id, uid, modseq, flags, seen, internal_date)
      select f.id, f.uid, f.modseq, ${flags}::text[], ${flags.includes('\\Seen')}, ${internalDate}::timestamptz from f
      returning uid, modseq
    ),
    n as (
      select pg_notify(${FOLDER_CHANNEL}, json_build_object('folderId', id, 'accountId', account_id, 'modseq', modseq)::text) from f
    )
    select (select ok from room) as room, fl.uid, fl.modseq, (select count(*) from n) as notified
    from (select 1) as one left join fl on true`.execute(db);
  const row = r.rows[0];
  if (row.room === null) throw new Error(`Account ${folder.accountId} does not exist.`);
  if (!row.room) throw new QuotaExceededError();
  if (row.uid === null) throw new Error(`Folder ${folder.id} does not exist.`);
  return { folderId: folder.id, accountId: folder.accountId, uid: Number(row.uid), modseq: Number(row.modseq) };
}
