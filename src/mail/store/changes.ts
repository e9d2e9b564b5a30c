import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Database } from '../../db/database.ts';
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

/** What happened in a folder after `modseq` (CONDSTORE/QRESYNC, IDLE, webmail refresh). */
export async function changesSince(db: Kysely<DB>, folderId: string, modseq: number): Promise<ChangesSince> {
  const folder = await db.selectFrom('mail_folders').select(['highest_modseq', 'uid_next']).where('id', '=', folderId).executeTakeFirstOrThrow();
  const changed = await db
    .selectFrom('mail_flags')
    .select(['uid', 'modseq', 'flags'])
    .where('folder_id', '=', folderId)
    .where('modseq', '>', String(modseq))
    .orderBy('uid')
    .execute();
  const expunged = await db
    .selectFrom('mail_expunged')
    .select('uid')
    .where('folder_id', '=', folderId)
    .where('modseq', '>', String(modseq))
    .orderBy('uid')
    .execute();
  return {
    highestModseq: Number(folder.highest_modseq),
    uidNext: Number(folder.uid_next),
    changed: changed.map((r) => ({ uid: Number(r.uid), modseq: Number(r.modseq), flags: r.flags })),
    expunged: expunged.map((r) => Number(r.uid)),
  };
}

/** Raises a folder's MODSEQ by one under its row lock and returns the new value. */
export async function nextModseq(trx: Kysely<DB>, folderId: string): Promise<{ modseq: number; accountId: string }> {
  const row = await sql<{ highest_modseq: string; account_id: string }>`
    update mail_folders set highest_modseq = highest_modseq + 1 where id = ${folderId}
    returning highest_modseq, account_id`.execute(trx);
  if (!row.rows.length) throw new Error(`Folder ${folderId} does not exist.`);
  return { modseq: Number(row.rows[0].highest_modseq), accountId: row.rows[0].account_id };
}
