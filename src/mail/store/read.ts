import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import type { Envelope } from '../imap/protocol/envelope.ts';
import type { BodyStructure } from '../imap/protocol/body-structure.ts';
import { readBlob, SEARCH_CONFIG } from './write.ts';
import './tables.ts';

/** Reading messages: IMAP by UID, webmail by page and sort order, and search. Flags and MODSEQ come from mail_flags. */
export type StoredMessage = {
  folderId: string;
  uid: number;
  modseq: number;
  size: number;
  internalDate: Date;
  flags: string[];
  envelope: Envelope;
  bodyStructure: BodyStructure;
  /** Key of the raw bytes: pass to `readRaw`. */
  blobSha256: string;
  /** The bytes themselves, when asked for with `{ raw: true }`. */
  raw?: Buffer;
};

/**
 * What a FETCH needs beyond the flags and sizes: the bytes in the same query
 * (one round trip for BODY[] instead of two), the body structure only when
 * asked for (it is the largest column after the bytes).
 */
export type FetchColumns = { raw?: boolean; bodyStructure?: boolean };

export type MessageListItem = {
  folderId: string;
  uid: number;
  internalDate: Date;
  sentDate: Date | null;
  size: number;
  flags: string[];
  seen: boolean;
  subject: string;
  from: string;
  to: string;
  preview: string;
  hasAttachments: boolean;
};

export type Row = {
  folder_id: string; uid: string; modseq: string; size: number; internal_date: Date; flags: string[];
  envelope: Envelope; body_structure: BodyStructure; blob_sha256: string; raw?: Buffer;
};

export function toStored(r: Row): StoredMessage {
  const m: StoredMessage = {
    folderId: r.folder_id, uid: Number(r.uid), modseq: Number(r.modseq), size: r.size, internalDate: r.internal_date,
    flags: r.flags, envelope: r.envelope, bodyStructure: r.body_structure, blobSha256: r.blob_sha256,
  };
  if (r.raw) m.raw = r.raw;
  return m;
}

/** The message columns a FETCH reads, with the bytes joined in when wanted. */
function fetchQuery(db: Kysely<DB>, folderId: string, cols: FetchColumns) {
  const structure = cols.bodyStructure ?? true;
  let q = db
    .selectFrom('mail_messages as m')
    .modifyFront(PREPARED)
    .innerJoin('mail_flags as f', (j) => j.onRef('f.folder_id', '=', 'm.folder_id').onRef('f.uid', '=', 'm.uid'))
    .select(['m.folder_id', 'm.uid', 'f.modseq', 'm.size', 'm.internal_date', 'f.flags', 'm.envelope', 'm.blob_sha256'])
    .select(structure ? sql<BodyStructure>`m.body_structure`.as('body_structure') : sql<BodyStructure>`null`.as('body_structure'))
    .where('m.folder_id', '=', folderId);
  if (cols.raw) q = q.innerJoin('mail_blobs as b', 'b.sha256', 'm.blob_sha256').select(sql<Buffer>`b.raw`.as('raw'));
  return q;
}


/** Every UID in a folder, ascending: IMAP's message sequence numbers are positions in this list. */
export async function listUids(db: Kysely<DB>, folderId: string): Promise<number[]> {
  const rows = await db.selectFrom('mail_messages').modifyFront(PREPARED).select('uid').where('folder_id', '=', folderId).orderBy('uid').execute();
  return rows.map((r) => Number(r.uid));
}

/** IMAP FETCH: the stored facts for UIDs in [from, to] (to = null means up to the last), optionally only those changed after a MODSEQ. */
export async function fetchMessages(
  db: Kysely<DB>,
  folderId: string,
  range: { from: number; to: number | null; changedSince?: number },
  cols: FetchColumns = {},
): Promise<StoredMessage[]> {
  let q = fetchQuery(db, folderId, cols).where('m.uid', '>=', String(range.from));
  if (range.to !== null) q = q.where('m.uid', '<=', String(range.to));
  if (range.changedSince !== undefined) q = q.where('f.modseq', '>', String(range.changedSince));
  return (await q.orderBy('m.uid').execute()).map(toStored);
}

export async function fetchByUids(db: Kysely<DB>, folderId: string, uids: number[], cols: FetchColumns = {}): Promise<StoredMessage[]> {
  if (!uids.length) return [];
  const q = fetchQuery(db, folderId, cols).where(sql<boolean>`m.uid = any(${uids}::bigint[])`);
  return (await q.orderBy('m.uid').execute()).map(toStored);
}

export async function getMessage(db: Kysely<DB>, folderId: string, uid: number): Promise<StoredMessage | null> {
  const [m] = await fetchByUids(db, folderId, [uid]);
  return m ?? null;
}

/** The message exactly as received (after delivery's changes, such as removed attachments). */
export async function readRaw(db: Kysely<DB>, blobSha256: string): Promise<Buffer> {
  const raw = await readBlob(db, blobSha256);
  if (!raw) throw new Error('The message bytes are missing.');
  return raw;
}

export type ListOptions = {
  sort?: 'date' | 'from' | 'subject' | 'size';
  descending?: boolean;
  limit?: number;
  offset?: number;
  unseenOnly?: boolean;
};

const SORT_COLUMN = { date: 'm.internal_date', from: 'm.from_text', subject: 'm.subject', size: 'm.size' } as const;

function listItem(r: {
  folder_id: string; uid: string; internal_date: Date; sent_date: Date | null; size: number; flags: string[]; seen: boolean;
  subject: string; from_text: string; to_text: string; preview: string; has_attachments: boolean;
}): MessageListItem {
  return {
    folderId: r.folder_id, uid: Number(r.uid), internalDate: r.internal_date, sentDate: r.sent_date, size: r.size, flags: r.flags,
    seen: r.seen, subject: r.subject, from: r.from_text, to: r.to_text, preview: r.preview, hasAttachments: r.has_attachments,
  };
}

const LIST = [
  'm.folder_id', 'm.uid', 'm.internal_date', 'm.sent_date', 'm.size', 'f.flags', 'f.seen', 'm.subject', 'm.from_text', 'm.to_text', 'm.preview',
  'm.has_attachments',
] as const;

/** Messages with their flags (mail_flags, one row per message). */
export function messagesWithFlags(db: Kysely<DB>) {
  return db
    .selectFrom('mail_messages as m')
    .innerJoin('mail_flags as f', (j) => j.onRef('f.folder_id', '=', 'm.folder_id').onRef('f.uid', '=', 'm.uid'));
}

/** Webmail's message list: one page, sorted, with the folder's total. */
export async function listMessages(db: Kysely<DB>, folderId: string, opts: ListOptions = {}): Promise<{ total: number; items: MessageListItem[] }> {
  let q = messagesWithFlags(db).where('m.folder_id', '=', folderId);
  if (opts.unseenOnly) q = q.where('f.seen', '=', false);
  const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const column = SORT_COLUMN[opts.sort ?? 'date'];
  const dir = opts.descending ?? true ? 'desc' : 'asc';
  const rows = await q
    .select(LIST)
    .orderBy(column, dir)
    .orderBy('m.uid', dir)
    .limit(Math.min(opts.limit ?? 50, 500))
    .offset(opts.offset ?? 0)
    .execute();
  return { total: Number(total.n), items: rows.map(listItem) };
}

/**
 * Full-text search over an account's mail (subject, sender, recipients and
 * body text, indexed at delivery), newest first; optionally in one folder.
 */
export async function searchMessages(
  db: Kysely<DB>,
  accountId: string,
  query: string,
  opts: { folderId?: string; limit?: number; offset?: number } = {},
): Promise<{ total: number; items: MessageListItem[] }> {
  const tsq = sql`websearch_to_tsquery(${sql.lit(SEARCH_CONFIG)}::regconfig, ${query})`;
  let q = db.selectFrom('mail_messages as m').where('m.account_id', '=', accountId).where(sql<boolean>`m.search @@ ${tsq}`);
  if (opts.folderId) q = q.where('m.folder_id', '=', opts.folderId);
  const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { total: Number(total.n), items: await newestPage(db, q, opts) };
}

export type MessagesQuery = SelectQueryBuilder<DB & { m: DB['mail_messages'] }, 'm', {}>;

/**
 * A page of the messages a search found, newest first, with their flags. The
 * page is chosen first, so only its flag rows are read, however many messages
 * match across the account.
 */
export async function newestPage(db: Kysely<DB>, q: MessagesQuery, opts: { limit?: number; offset?: number }): Promise<MessageListItem[]> {
  const page = q
    .select(['m.id', 'm.folder_id', 'm.uid', 'm.internal_date', 'm.sent_date', 'm.size', 'm.subject', 'm.from_text', 'm.to_text', 'm.preview', 'm.has_attachments'])
    .orderBy('m.internal_date', 'desc')
    .orderBy('m.id', 'desc')
    .limit(Math.min(opts.limit ?? 50, 500))
    .offset(opts.offset ?? 0);
  const rows = await db
    .selectFrom(page.as('p'))
    .innerJoin('mail_flags as f', (j) => j.onRef('f.folder_id', '=', 'p.folder_id').onRef('f.uid', '=', 'p.uid'))
    .selectAll('p')
    .select(['f.flags', 'f.seen'])
    .orderBy('p.internal_date', 'desc')
    .orderBy('p.id', 'desc')
    .execute();
  return rows.map(listItem);
}
