import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Envelope } from '../imap/protocol/envelope.ts';
import { messagesWithFlags, readRaw } from './read.ts';
import './tables.ts';

/**
 * Reads the IMAP server needs in bulk and that the rest of the store's API
 * answers one message at a time: the bytes of many messages in one query,
 * per-folder counts for STATUS, the light facts SEARCH and SORT work on, and
 * the UIDs carrying a flag (UID EXPUNGE).
 */

/** Raw bytes of many messages at once, keyed by SHA-256 (FETCH BODY[] of hundreds of messages). */
export async function readRawMany(db: Kysely<DB>, shas: string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(shas)];
  const out = new Map<string, Buffer>();
  for (let i = 0; i < unique.length; i += 200) {
    const rows = await db.selectFrom('mail_blobs').select(['sha256', 'raw']).where('sha256', 'in', unique.slice(i, i + 200)).execute();
    for (const r of rows) out.set(r.sha256, r.raw);
  }
  for (const sha of unique) if (!out.has(sha)) out.set(sha, await readRaw(db, sha));
  return out;
}

/** Only the header block of many messages (THREAD's References, HEADER search), keyed by SHA-256. */
export async function readHeadersMany(db: Kysely<DB>, shas: string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(shas)];
  const out = new Map<string, Buffer>();
  for (let i = 0; i < unique.length; i += 1000) {
    const rows = await sql<{ sha256: string; head: Buffer }>`
      select sha256, case when position('\\x0d0a0d0a'::bytea in raw) > 0
        then substring(raw from 1 for position('\\x0d0a0d0a'::bytea in raw) + 3)
        else substring(raw from 1 for 65536) end as head
      from mail_blobs where sha256 = any(${unique.slice(i, i + 1000)}::text[])`.execute(db);
    for (const r of rows.rows) out.set(r.sha256, r.head);
  }
  return out;
}

export type FolderCounts = { messages: number; unseen: number; deleted: number; bytes: number };

/** STATUS for one folder: message, unread and \Deleted counts and bytes. */
export async function folderCounts(db: Kysely<DB>, folderId: string): Promise<FolderCounts> {
  const r = await messagesWithFlags(db)
    .select((eb) => [
      eb.fn.countAll<string>().as('messages'),
      sql<string>`count(*) filter (where not f.seen)`.as('unseen'),
      sql<string>`count(*) filter (where '\\Deleted' = any(f.flags))`.as('deleted'),
      sql<string>`coalesce(sum(m.size), 0)`.as('bytes'),
    ])
    .where('m.folder_id', '=', folderId)
    .executeTakeFirstOrThrow();
  return { messages: Number(r.messages), unseen: Number(r.unseen), deleted: Number(r.deleted), bytes: Number(r.bytes) };
}

/** What SEARCH, SORT and THREAD look at, without the body structure. */
export type MessageFacts = {
  uid: number;
  modseq: number;
  size: number;
  internalDate: Date;
  sentDate: Date | null;
  flags: string[];
  envelope: Envelope;
  blobSha256: string;
};

/** The facts of every message in a folder (or of the given UIDs), ascending by UID. */
export async function messageFacts(db: Kysely<DB>, folderId: string, uids?: number[]): Promise<MessageFacts[]> {
  let q = messagesWithFlags(db)
    .select(['m.uid', 'f.modseq', 'm.size', 'm.internal_date', 'm.sent_date', 'f.flags', 'm.envelope', 'm.blob_sha256'])
    .where('m.folder_id', '=', folderId);
  if (uids) q = q.where('m.uid', 'in', uids.length ? uids.map(String) : ['-1']);
  const rows = await q.orderBy('m.uid').execute();
  return rows.map((r) => ({
    uid: Number(r.uid), modseq: Number(r.modseq), size: r.size, internalDate: r.internal_date, sentDate: r.sent_date,
    flags: r.flags, envelope: r.envelope, blobSha256: r.blob_sha256,
  }));
}

/** Of the given UIDs, those whose message carries `flag` (UID EXPUNGE removes only \Deleted ones). */
export async function uidsWithFlag(db: Kysely<DB>, folderId: string, uids: number[], flag: string): Promise<number[]> {
  if (!uids.length) return [];
  const rows = await db
    .selectFrom('mail_flags')
    .select('uid')
    .where('folder_id', '=', folderId)
    .where('uid', 'in', uids.map(String))
    .where(sql<boolean>`${flag} = any(flags)`)
    .orderBy('uid')
    .execute();
  return rows.map((r) => Number(r.uid));
}

/**
 * UIDs whose decoded subject contains `needle` (ASCII, any case): HEADER
 * Subject and SUBJECT searches answered from the stored subject and its
 * trigram index, without reading any message. Null when the needle is not
 * plain ASCII (case folding then differs between the database and IMAP).
 */
export async function uidsWithSubjectText(db: Kysely<DB>, folderId: string, needle: string): Promise<Set<number> | null> {
  if (!/^[\x20-\x7e]*$/.test(needle)) return null;
  const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await sql<{ uid: string }>`select uid from mail_messages where folder_id = ${folderId} and subject ilike ${like}`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.uid)));
}

/**
 * UIDs whose header block contains `needle` (ASCII, any case): a cheap first
 * pass for HEADER/FROM/SUBJECT searches over large folders, which the caller
 * then checks exactly. Returns null when the needle is not plain ASCII.
 */
export async function uidsWithHeaderText(db: Kysely<DB>, folderId: string, needle: string): Promise<Set<number> | null> {
  if (!/^[\x20-\x7e]*$/.test(needle) || needle.includes('\\')) return null;
  const like = `%${needle.replace(/[%_]/g, (c) => `\\${c}`)}%`;
  const rows = await sql<{ uid: string }>`
    select m.uid from mail_messages m join mail_blobs b on b.sha256 = m.blob_sha256
    where m.folder_id = ${folderId}
      and encode(substring(b.raw from 1 for coalesce(nullif(position('\\x0d0a0d0a'::bytea in b.raw), 0), 65536)), 'escape') ilike ${like}`.execute(db);
  return new Set(rows.rows.map((r) => Number(r.uid)));
}
