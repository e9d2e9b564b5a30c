import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Database } from '../../db/database.ts';
import { PREPARED } from '../../db/prepared.ts';
import './tables.ts';

/**
 * Folder change notifications: every change to a folder (new message, flags,
 * expunge) raises its MODSEQ and sends one NOTIFY on FOLDER_CHANNEL when the
 * transaction commits. IMAP IDLE/NOOP and webmail listen, then ask
 * `changesSince` for what changed; any process of the service can make the
 * change, because PostgreSQL carries the notification.
 */
export const FOLDER_CHANNEL = 'caremail_folder_changed';

export type FolderChange = { folderId: string; accountId: string; modseq: number };

export async function notifyFolders(trx: Kysely<DB>, changes: FolderChange[]): Promise<void> {
  if (!changes.length) return;
  const payloads = changes.map((c) => JSON.stringify(c));
  await sql`select pg_notify(${FOLDER_CHANNEL}, p) from unnest(${payloads}::text[]) as p`.execute(trx);
}

/** Calls `onChange` for every folder change in any process; returns a function that stops listening. */
export async function listenForFolderChanges(database: Database, onChange: (c: FolderChange) => void): Promise<() => Promise<void>> {
  return database.listen(FOLDER_CHANNEL, (payload) => {
    try {
      const c = JSON.parse(payload) as FolderChange;
      if (c && typeof c.folderId === 'string') onChange(c);
    } catch {
      /* not ours */
    }
  });
}

export type ChangedMessage = { uid: number; modseq: number; flags: string[] };

export type ChangesSince = {
  highestModseq: number;
  uidNext: number;
  /** Messages added or whose flags changed after `modseq`, by UID. */
  changed: ChangedMessage[];
  /** UIDs expunged after `modseq`, ascending. */
  expunged: number[];
};

/**
 * What happened in a folder after `modseq` (CONDSTORE/QRESYNC, IDLE, NOOP,
 * webmail refresh): one prepared statement, so the folder's MODSEQ and the
 * changes come from one snapshot and a NOOP costs one round trip.
 */
export async function changesSince(db: Kysely<DB>, folderId: string, modseq: number): Promise<ChangesSince> {
  const since = String(modseq);
  const { rows } = await sql<{ kind: 'folder' | 'changed' | 'expunged'; uid: string; modseq: string; flags: string[] | null }>`${PREPARED}
    select 'folder' as kind, uid_next as uid, highest_modseq as modseq, null::text[] as flags from mail_folders where id = ${folderId}
    union all
    select 'changed', uid, modseq, flags from mail_flags where folder_id = ${folderId} and modseq > ${since}::bigint
    union all
    select 'expunged', uid, modseq, null from mail_expunged where folder_id = ${folderId} and modseq > ${since}::bigint
    order by 1, 2`.execute(db);
  const folder = rows.find((r) => r.kind === 'folder');
  if (!folder) throw new Error(`Folder ${folderId} does not exist.`);
  const out: ChangesSince = { highestModseq: Number(folder.modseq), uidNext: Number(folder.uid), changed: [], expunged: [] };
  for (const r of rows) {
    if (r.kind === 'changed') out.changed.push({ uid: Number(r.uid), modseq: Number(r.modseq), flags: r.flags! });
    else if (r.kind === 'expunged') out.expunged.push(Number(r.uid));
  }
  return out;
}

/**
 * What changed in a folder's list of UIDs: the messages with a UID above
 * `afterUid`, and those expunged after `modseq` (every removal of a message
 * from a folder is recorded in mail_expunged, by `expungeMessages` and
 * `moveMessages`, the only ways out). With a list read earlier, this brings
 * it up to date without reading the whole folder again.
 */
export async function uidListChanges(db: Kysely<DB>, folderId: string, afterUid: number, modseq: number): Promise<{ added: number[]; expunged: number[] }> {
  const { rows } = await sql<{ added: boolean; uid: string }>`${PREPARED}
    select true as added, uid from mail_messages where folder_id = ${folderId} and uid > ${afterUid}::bigint
    union all
    select false, uid from mail_expunged where folder_id = ${folderId} and modseq > ${String(modseq)}::bigint
    order by 2`.execute(db);
  const out = { added: [] as number[], expunged: [] as number[] };
  for (const r of rows) (r.added ? out.added : out.expunged).push(Number(r.uid));
  return out;
}

/** Raises a folder's MODSEQ by one under its row lock and returns the new value. */
export async function nextModseq(trx: Kysely<DB>, folderId: string): Promise<{ modseq: number; accountId: string }> {
  const row = await sql<{ highest_modseq: string; account_id: string }>`
    update mail_folders set highest_modseq = highest_modseq + 1 where id = ${folderId}
    returning highest_modseq, account_id`.execute(trx);
  if (!row.rows.length) throw new Error(`Folder ${folderId} does not exist.`);
  return { modseq: Number(row.rows[0].highest_modseq), accountId: row.rows[0].account_id };
}
