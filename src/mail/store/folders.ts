import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import './tables.ts';

/**
 * Folders per account. The six standard folders are created lazily, the first
 * time anything asks for the account's folders or delivers to it (so accounts
 * made by any path, imports included, get them without a hook in account
 * creation). Names are full paths with "/" between levels; INBOX is always
 * spelt INBOX.
 */
export const DEFAULT_FOLDERS: ReadonlyArray<{ name: string; specialUse: string | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export const FOLDER_DELIMITER = '/';

export type Folder = {
  id: string;
  accountId: string;
  name: string;
  specialUse: string | null;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  subscribed: boolean;
};

export type FolderWithCounts = Folder & { messages: number; unseen: number; bytes: number };

type FolderRow = {
  id: string; account_id: string; name: string; special_use: string | null;
  uid_validity: string; uid_next: string; highest_modseq: string; subscribed: boolean;
};

export function toFolder(r: FolderRow): Folder {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    specialUse: r.special_use,
    uidValidity: Number(r.uid_validity),
    uidNext: Number(r.uid_next),
    highestModseq: Number(r.highest_modseq),
    subscribed: r.subscribed,
  };
}

const FOLDER_COLUMNS = ['id', 'account_id', 'name', 'special_use', 'uid_validity', 'uid_next', 'highest_modseq', 'subscribed'] as const;

function normaliseName(name: string): string {
  const n = name.trim().replace(/\/+$/, '');
  return n.toUpperCase() === 'INBOX' ? 'INBOX' : n;
}

export async function ensureDefaultFolders(db: Kysely<DB>, accountId: string): Promise<void> {
  const existing = await db.selectFrom('mail_folders').select('name').where('account_id', '=', accountId).where('name', '=', 'INBOX').executeTakeFirst();
  if (existing) return;
  await db
    .insertInto('mail_folders')
    .values(DEFAULT_FOLDERS.map((f) => ({ account_id: accountId, name: f.name, special_use: f.specialUse })))
    .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
    .execute();
}

export async function listFolders(db: Kysely<DB>, accountId: string): Promise<Folder[]> {
  await ensureDefaultFolders(db, accountId);
  const rows = await db.selectFrom('mail_folders').select(FOLDER_COLUMNS).where('account_id', '=', accountId).orderBy('name').execute();
  return sortFolders(rows.map(toFolder));
}

/** INBOX first, then the special folders in their usual order, then the rest by name. */
function sortFolders(list: Folder[]): Folder[] {
  const rank = (f: Folder) => {
    const i = DEFAULT_FOLDERS.findIndex((d) => d.name === f.name);
    return i >= 0 ? i : DEFAULT_FOLDERS.length;
  };
  return list.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

/** Folders with message, unread and byte counts (webmail's folder list, IMAP STATUS). */
export async function listFoldersWithCounts(db: Kysely<DB>, accountId: string): Promise<FolderWithCounts[]> {
  const folders = await listFolders(db, accountId);
  const ids = folders.map((f) => f.id);
  const counts = await db
    .selectFrom('mail_messages as m')
    .innerJoin('mail_flags as f', (j) => j.onRef('f.folder_id', '=', 'm.folder_id').onRef('f.uid', '=', 'm.uid'))
    .select(['m.folder_id'])
    .select((eb) => [
      eb.fn.countAll<string>().as('messages'),
      sql<string>`count(*) filter (where not f.seen)`.as('unseen'),
      sql<string>`coalesce(sum(m.size), 0)`.as('bytes'),
    ])
    // By folder rather than account: mail_flags has no account column, and (folder, UID) is both tables' key.
    .where('m.folder_id', 'in', ids)
    .groupBy('m.folder_id')
    .execute();
  const byId = new Map(counts.map((c) => [c.folder_id, c]));
  return folders.map((f) => {
    const c = byId.get(f.id);
    return { ...f, messages: Number(c?.messages ?? 0), unseen: Number(c?.unseen ?? 0), bytes: Number(c?.bytes ?? 0) };
  });
}

export async function getFolder(db: Kysely<DB>, accountId: string, name: string): Promise<Folder | null> {
  const n = normaliseName(name);
  const find = () => db.selectFrom('mail_folders').modifyFront(PREPARED).select(FOLDER_COLUMNS).where('account_id', '=', accountId).where('name', '=', n).executeTakeFirst();
  let row = await find();
  // the standard folders are made on first use; looking first and making them only when missing keeps an APPEND or SELECT to one round trip
  if (!row && DEFAULT_FOLDERS.some((f) => f.name === n)) {
    await ensureDefaultFolders(db, accountId);
    row = await find();
  }
  return row ? toFolder(row) : null;
}

export async function getFolderById(db: Kysely<DB>, folderId: string): Promise<Folder | null> {
  const row = await db.selectFrom('mail_folders').modifyFront(PREPARED).select(FOLDER_COLUMNS).where('id', '=', folderId).executeTakeFirst();
  return row ? toFolder(row) : null;
}

export async function folderBySpecialUse(db: Kysely<DB>, accountId: string, specialUse: string): Promise<Folder> {
  await ensureDefaultFolders(db, accountId);
  const row = await db.selectFrom('mail_folders').select(FOLDER_COLUMNS).where('account_id', '=', accountId).where('special_use', '=', specialUse).executeTakeFirst();
  if (!row) throw new NotFoundError(`This mailbox has no ${specialUse.replace('\\', '')} folder.`);
  return toFolder(row);
}

function checkName(name: string): string {
  const n = normaliseName(name);
  if (!n || n.length > 200 || /[\u0000-\u001f*%]/.test(n) || n.split(FOLDER_DELIMITER).some((s) => !s)) {
    throw new ValidationError([{ field: 'name', message: 'A folder name must be 1 to 200 characters, without control characters, * or %, and without empty levels.' }]);
  }
  return n;
}

export async function createFolder(db: Kysely<DB>, accountId: string, name: string, opts: { specialUse?: string | null } = {}): Promise<Folder> {
  const n = checkName(name);
  await ensureDefaultFolders(db, accountId);
  const row = await db
    .insertInto('mail_folders')
    .values({ account_id: accountId, name: n, special_use: opts.specialUse ?? null })
    .onConflict((oc) => oc.columns(['account_id', 'name']).doNothing())
    .returning(FOLDER_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new ConflictError(`There is already a folder called ${n}.`);
  return toFolder(row);
}

/**
 * Renames a folder and every folder below it. Renaming INBOX is refused here:
 * IMAP's special meaning (move its messages to a new folder) belongs to the caller.
 * The renamed folders keep their ids; they get a new UIDVALIDITY, as IMAP asks.
 */
export async function renameFolder(db: Kysely<DB>, accountId: string, from: string, to: string): Promise<void> {
  const src = normaliseName(from);
  const dst = checkName(to);
  if (src === 'INBOX') throw new ValidationError([{ field: 'name', message: 'INBOX cannot be renamed.' }]);
  await db.transaction().execute(async (trx) => {
    const folder = await getFolder(trx, accountId, src);
    if (!folder) throw new NotFoundError(`There is no folder called ${src}.`);
    if (await getFolder(trx, accountId, dst)) throw new ConflictError(`There is already a folder called ${dst}.`);
    await sql`
      update mail_folders
      set name = ${dst} || substr(name, ${src.length + 1}), uid_validity = nextval('mail_uid_validity_seq')
      where account_id = ${accountId} and (name = ${src} or starts_with(name, ${src + FOLDER_DELIMITER}))`.execute(trx);
  });
}

/** Deletes a folder and its messages (bytes go when nothing else refers to them). The standard folders stay. */
export async function deleteFolder(db: Kysely<DB>, accountId: string, name: string): Promise<void> {
  const n = normaliseName(name);
  if (DEFAULT_FOLDERS.some((d) => d.name === n)) {
    throw new ValidationError([{ field: 'name', message: `${n} is a standard folder and cannot be deleted.` }]);
  }
  const res = await db.deleteFrom('mail_folders').where('account_id', '=', accountId).where('name', '=', n).executeTakeFirst();
  if (!res.numDeletedRows) throw new NotFoundError(`There is no folder called ${n}.`);
}

export async function setSubscribed(db: Kysely<DB>, accountId: string, name: string, subscribed: boolean): Promise<void> {
  const res = await db
    .updateTable('mail_folders')
    .set({ subscribed })
    .where('account_id', '=', accountId)
    .where('name', '=', normaliseName(name))
    .executeTakeFirst();
  if (!res.numUpdatedRows) throw new NotFoundError(`There is no folder called ${normaliseName(name)}.`);
}
