import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type MessageSummary, summarise } from './summarise.ts';
import { notifyFolders } from './changes.ts';
import './tables.ts';

/**
 * The one path by which messages enter folders. The bytes go in once per
 * content (SHA-256), however many folders receive them; each folder's UID and
 * MODSEQ are taken under a row lock on the folder (in id order, so two
 * deliveries to overlapping sets of folders cannot deadlock), and a
 * notification goes out when the transaction commits.
 */
export const SEARCH_CONFIG = 'simple';

export type Target = { folderId: string; accountId: string };
export type StoredCopy = { folderId: string; accountId: string; uid: number; modseq: number };

export function sha256Hex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/**
 * Stores the bytes, or, when they are already there, takes a row lock on them
 * so that a concurrent delete of their last reference cannot remove them
 * before this transaction adds its own.
 */
export async function putBlob(trx: Kysely<DB>, raw: Buffer): Promise<string> {
  const sha = sha256Hex(raw);
  await sql`
    insert into mail_blobs (sha256, size, raw) values (${sha}, ${raw.length}, ${raw})
    on conflict (sha256) do update set refs = mail_blobs.refs`.execute(trx);
  return sha;
}

export async function readBlob(db: Kysely<DB>, sha: string): Promise<Buffer | null> {
  const row = await db.selectFrom('mail_blobs').select('raw').where('sha256', '=', sha).executeTakeFirst();
  return row ? row.raw : null;
}

/**
 * Puts one message into many folders (one per recipient, or one for APPEND).
 * Must run inside the caller's transaction. Targets must be distinct folders.
 */
export async function insertMessage(
  trx: Kysely<DB>,
  raw: Buffer,
  targets: Target[],
  opts: { flags?: string[]; internalDate?: Date; summary?: MessageSummary; sha?: string } = {},
): Promise<StoredCopy[]> {
  if (!targets.length) return [];
  const summary = opts.summary ?? summarise(raw);
  const sha = opts.sha ?? (await putBlob(trx, raw));
  return insertMessages(
    trx,
    targets.map((t) => ({ ...t, sha, size: raw.length, summary, flags: opts.flags, internalDate: opts.internalDate })),
  );
}

export type NewMessageRow = Target & { sha: string; size: number; summary: MessageSummary; flags?: string[]; internalDate?: Date };

/**
 * The batch form: many (message, folder) pairs in three statements, whatever
 * their number. The bytes must already be stored (`putBlob`) or referenced
 * by the caller. A folder may appear more than once; its UIDs follow the
 * order of `rows`.
 */
export async function insertMessages(trx: Kysely<DB>, rows: NewMessageRow[]): Promise<StoredCopy[]> {
  if (!rows.length) return [];
  const perFolder = new Map<string, number>();
  for (const r of rows) perFolder.set(r.folderId, (perFolder.get(r.folderId) ?? 0) + 1);
  const folderIds = [...perFolder.keys()].sort();
  const allocated = await sql<{ id: string; first_uid: string; modseq: string; account_id: string }>`
    update mail_folders f
    set uid_next = f.uid_next + n.count, highest_modseq = f.highest_modseq + 1
    from (select id from mail_folders where id = any(${folderIds}::uuid[]) order by id for update) s,
      unnest(${folderIds}::uuid[], ${folderIds.map((id) => perFolder.get(id)!)}::int[]) as n(id, count)
    where f.id = s.id and n.id = f.id
    returning f.id, f.uid_next - n.count as first_uid, f.highest_modseq as modseq, f.account_id`.execute(trx);
  const next = new Map(allocated.rows.map((a) => [a.id, { uid: Number(a.first_uid), modseq: Number(a.modseq), accountId: a.account_id }]));
  const copies: StoredCopy[] = rows.map((r) => {
    const a = next.get(r.folderId);
    if (!a) throw new Error(`Folder ${r.folderId} does not exist.`);
    return { folderId: r.folderId, accountId: r.accountId, uid: a.uid++, modseq: a.modseq };
  });
  const col = <T>(f: (r: NewMessageRow, i: number) => T) => rows.map(f);
  const flags = col((r) => normaliseFlags(r.flags ?? []));
  const now = new Date();
  // One statement: the message rows and their flag rows (mail_flags) from the same unnest.
  await sql`
    with m as (
      select * from unnest(
        ${col((_r, i) => copies[i].folderId)}::uuid[], ${col((r) => r.accountId)}::uuid[], ${col((_r, i) => String(copies[i].uid))}::bigint[],
        ${col((_r, i) => String(copies[i].modseq))}::bigint[], ${col((r) => r.sha)}::text[], ${col((r) => r.size)}::int[],
        ${col((r) => r.internalDate ?? now)}::timestamptz[], ${flags.map((f) => JSON.stringify(f))}::jsonb[], ${flags.map((f) => f.includes('\\Seen'))}::boolean[],
        ${col((r) => JSON.stringify(r.summary.envelope))}::jsonb[], ${col((r) => JSON.stringify(r.summary.bodyStructure))}::jsonb[],
        ${col((r) => r.summary.sentDate)}::timestamptz[], ${col((r) => r.summary.subject)}::text[], ${col((r) => r.summary.fromText)}::text[],
        ${col((r) => r.summary.toText)}::text[], ${col((r) => r.summary.preview)}::text[], ${col((r) => r.summary.hasAttachments)}::boolean[],
        ${col((r) => r.summary.searchText)}::text[]
      ) as m(folder_id, account_id, uid, modseq, sha, size, internal_date, flags, seen, envelope, body_structure, sent_date,
        subject, from_text, to_text, preview, has_attachments, search_text)
    ),
    messages as (
      insert into mail_messages (folder_id, account_id, uid, blob_sha256, size, internal_date,
        envelope, body_structure, sent_date, subject, from_text, to_text, preview, has_attachments, search)
      select folder_id, account_id, uid, sha, size, internal_date,
        envelope, body_structure, sent_date, subject, from_text, to_text, preview, has_attachments,
        to_tsvector(${sql.lit(SEARCH_CONFIG)}::regconfig, search_text)
      from m
    )
    insert into mail_flags (folder_id, uid, modseq, flags, seen, internal_date)
    select folder_id, uid, modseq, array(select jsonb_array_elements_text(flags)), seen, internal_date from m`.execute(trx);
  const changes = new Map<string, { folderId: string; accountId: string; modseq: number }>();
  for (const c of copies) changes.set(c.folderId, { folderId: c.folderId, accountId: c.accountId, modseq: c.modseq });
  await notifyFolders(trx, [...changes.values()]);
  return copies;
}

/** System flags keep their canonical spelling; keywords are kept as given; no duplicates; \Recent is never stored. */
export function normaliseFlags(flags: string[]): string[] {
  const canonical: Record<string, string> = {
    '\\seen': '\\Seen', '\\answered': '\\Answered', '\\flagged': '\\Flagged', '\\deleted': '\\Deleted', '\\draft': '\\Draft',
  };
  const out: string[] = [];
  for (const f of flags) {
    const lower = f.toLowerCase();
    if (lower === '\\recent') continue;
    const v = canonical[lower] ?? f;
    if (!out.some((x) => x.toLowerCase() === v.toLowerCase())) out.push(v);
  }
  return out;
}
