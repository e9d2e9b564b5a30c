import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Envelope } from '../imap/protocol/envelope.ts';
import type { BodyStructure } from '../imap/protocol/body-structure.ts';
import { readBlob, SEARCH_CONFIG } from './write.ts';
import './tables.ts';

/** Reading messages: IMAP by UID, webmail by page and sort order, and search. */
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
};

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

type Row = {
  folder_id: string; uid: string; modseq: string; size: number; internal_date: Date; flags: string[];
  envelope: Envelope; body_structure: BodyStructure; blob_sha256: string;
};

function toStored(r: Row): StoredMessage {
  return {
    folderId: r.folder_id, uid: Number(r.uid), modseq: Number(r.modseq), size: r.size, internalDate: r.internal_date,
    flags: r.flags, envelope: r.envelope, bodyStructure: r.body_structure, blobSha256: r.blob_sha256,
  };
}

const STORED = ['folder_id', 'uid', 'modseq', 'size', 'internal_date', 'flags', 'envelope', 'body_structure', 'blob_sha256'] as const;

/** Every UID in a folder, ascending: IMAP's message sequence numbers are positions in this list. */
export async function listUids(db: Kysely<DB>, folderId: string): Promise<number[]> {
  const rows = await db.selectFrom('mail_messages').select('uid').where('folder_id', '=', folderId).orderBy('uid').execute();
  return rows.map((r) => Number(r.uid));
}

/** IMAP FETCH: the stored facts for UIDs in [from, to] (to = null means up to the last), optionally only those changed after a MODSEQ. */
export async function fetchMessages(
  db: Kysely<DB>,
  folderId: string,
  range: { from: number; to: number | null; changedSince?: number },
): Promise<StoredMessage[]> {
  let q = db.selectFrom('mail_messages').select(STORED).where('folder_id', '=', folderId).where('uid', '>=', String(range.from));
  if (range.to !== null) q = q.where('uid', '<=', String(range.to));
  if (range.changedSince !== undefined) q = q.where('modseq', '>', String(range.changedSince));
  return (await q.orderBy('uid').execute()).map(toStored);
}

export async function fetchByUids(db: Kysely<DB>, folderId: string, uids: number[]): Promise<StoredMessage[]> {
  if (!uids.length) return [];
  const rows = await db.selectFrom('mail_messages').select(STORED).where('folder_id', '=', folderId).where('uid', 'in', uids.map(String)).orderBy('uid').execute();
  return rows.map(toStored);
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

const SORT_COLUMN = { date: 'internal_date', from: 'from_text', subject: 'subject', size: 'size' } as const;

function listItem(r: {
  folder_id: string; uid: string; internal_date: Date; sent_date: Date | null; size: number; flags: string[]; seen: boolean;
  subject: string; from_text: string; to_text: string; preview: string; has_attachments: boolean;
}): MessageListItem {
  return {
    folderId: r.folder_id, uid: Number(r.uid), internalDate: r.internal_date, sentDate: r.sent_date, size: r.size, flags: r.flags,
    seen: r.seen, subject: r.subject, from: r.from_text, to: r.to_text, preview: r.preview, hasAttachments: r.has_attachments,
  };
}

const LIST = ['folder_id', 'uid', 'internal_date', 'sent_date', 'size', 'flags', 'seen', 'subject', 'from_text', 'to_text', 'preview', 'has_attachments'] as const;

/** Webmail's message list: one page, sorted, with the folder's total. */
export async function listMessages(db: Kysely<DB>, folderId: string, opts: ListOptions = {}): Promise<{ total: number; items: MessageListItem[] }> {
  let q = db.selectFrom('mail_messages').where('folder_id', '=', folderId);
  if (opts.unseenOnly) q = q.where('seen', '=', false);
  const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const column = SORT_COLUMN[opts.sort ?? 'date'];
  const dir = opts.descending ?? true ? 'desc' : 'asc';
  const rows = await q
    .select(LIST)
    .orderBy(column, dir)
    .orderBy('uid', dir)
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
  let q = db.selectFrom('mail_messages').where('account_id', '=', accountId).where(sql<boolean>`search @@ ${tsq}`);
  if (opts.folderId) q = q.where('folder_id', '=', opts.folderId);
  const total = await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.select(LIST).orderBy('internal_date', 'desc').limit(Math.min(opts.limit ?? 50, 500)).offset(opts.offset ?? 0).execute();
  return { total: Number(total.n), items: rows.map(listItem) };
}
