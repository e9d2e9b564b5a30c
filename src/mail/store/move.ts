import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { nextModseq, notifyFolders } from './changes.ts';
import { QuotaExceededError, wouldExceedQuota } from './usage.ts';
import './tables.ts';

/**
 * COPY, MOVE and EXPUNGE. A copy shares the original's bytes (only a new row
 * and a new reference); an expunge leaves a record so CONDSTORE/QRESYNC
 * clients learn which UIDs went.
 */
export type UidMap = Array<{ from: number; to: number }>;

export async function copyMessages(
  db: Kysely<DB>,
  fromFolderId: string,
  uids: number[],
  toFolderId: string,
  opts: { enforceQuota?: boolean } = {},
): Promise<UidMap> {
  if (!uids.length) return [];
  return db.transaction().execute(async (trx) => copyInside(trx, fromFolderId, uids, toFolderId, opts.enforceQuota ?? true));
}

async function copyInside(trx: Kysely<DB>, fromFolderId: string, uids: number[], toFolderId: string, enforceQuota: boolean): Promise<UidMap> {
  const source = await trx
    .selectFrom('mail_messages')
    .select(['uid', 'size'])
    .where('folder_id', '=', fromFolderId)
    .where('uid', 'in', uids.map(String))
    .orderBy('uid')
    .execute();
  if (!source.length) return [];
  const dest = await sql<{ uid_next: string; highest_modseq: string; account_id: string }>`
    update mail_folders set uid_next = uid_next + ${source.length}, highest_modseq = highest_modseq + 1
    where id = ${toFolderId} returning uid_next, highest_modseq, account_id`.execute(trx);
  if (!dest.rows.length) throw new Error(`Folder ${toFolderId} does not exist.`);
  const { account_id: accountId } = dest.rows[0];
  const modseq = Number(dest.rows[0].highest_modseq);
  const firstUid = Number(dest.rows[0].uid_next) - source.length;
  if (enforceQuota) {
    const bytes = source.reduce((n, r) => n + r.size, 0);
    const fromAccount = await trx.selectFrom('mail_folders').select('account_id').where('id', '=', fromFolderId).executeTakeFirstOrThrow();
    if (fromAccount.account_id !== accountId && (await wouldExceedQuota(trx, accountId, bytes))) throw new QuotaExceededError();
  }
  const map: UidMap = source.map((r, i) => ({ from: Number(r.uid), to: firstUid + i }));
  await sql`
    with n as (
      select * from unnest(${source.map((r) => r.uid)}::bigint[], ${map.map((x) => String(x.to))}::bigint[]) as n(uid, new_uid)
    ),
    messages as (
      insert into mail_messages (folder_id, account_id, uid, blob_sha256, size, internal_date,
        envelope, body_structure, sent_date, subject, from_text, to_text, preview, has_attachments, search)
      select ${toFolderId}::uuid, ${accountId}::uuid, n.new_uid, m.blob_sha256, m.size, m.internal_date,
        m.envelope, m.body_structure, m.sent_date, m.subject, m.from_text, m.to_text, m.preview, m.has_attachments, m.search
      from mail_messages m join n on m.folder_id = ${fromFolderId} and m.uid = n.uid
    )
    insert into mail_flags (folder_id, uid, modseq, flags, seen, internal_date)
    select ${toFolderId}::uuid, n.new_uid, ${modseq}, f.flags, f.seen, f.internal_date
    from mail_flags f join n on f.folder_id = ${fromFolderId} and f.uid = n.uid`.execute(trx);
  await notifyFolders(trx, [{ folderId: toFolderId, accountId, modseq }]);
  return map;
}

/** Removes the given UIDs from a folder (or, without `uids`, every message flagged \Deleted). Returns the UIDs removed. */
export async function expungeMessages(db: Kysely<DB>, folderId: string, uids?: number[]): Promise<number[]> {
  return db.transaction().execute(async (trx) => expungeInside(trx, folderId, uids));
}

async function expungeInside(trx: Kysely<DB>, folderId: string, uids?: number[]): Promise<number[]> {
  // mail_flags has a row for every message, so it answers both forms.
  let q = trx.selectFrom('mail_flags').select('uid').where('folder_id', '=', folderId);
  q = uids ? q.where('uid', 'in', uids.length ? uids.map(String) : ['-1']) : q.where(sql<boolean>`'\\Deleted' = any(flags)`);
  const found = await q.execute();
  if (!found.length) return [];
  const { modseq, accountId } = await nextModseq(trx, folderId);
  const gone = found.map((r) => r.uid);
  // The flag rows go with them (trigger mail_messages_flags_removed, migration 0510).
  await trx.deleteFrom('mail_messages').where('folder_id', '=', folderId).where('uid', 'in', gone).execute();
  await trx
    .insertInto('mail_expunged')
    .values(gone.map((uid) => ({ folder_id: folderId, uid, modseq: String(modseq) })))
    .onConflict((oc) => oc.columns(['folder_id', 'uid']).doUpdateSet({ modseq: String(modseq) }))
    .execute();
  await notifyFolders(trx, [{ folderId, accountId, modseq }]);
  return gone.map(Number).sort((a, b) => a - b);
}

/** MOVE: copy then expunge in one transaction (RFC 6851). Moving within one account never counts against quota. */
export async function moveMessages(db: Kysely<DB>, fromFolderId: string, uids: number[], toFolderId: string): Promise<UidMap> {
  if (!uids.length || fromFolderId === toFolderId) return [];
  return db.transaction().execute(async (trx) => {
    const map = await copyInside(trx, fromFolderId, uids, toFolderId, true);
    await expungeInside(trx, fromFolderId, map.map((m) => m.from));
    return map;
  });
}
