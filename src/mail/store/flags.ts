import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { PREPARED } from '../../db/prepared.ts';
import { FOLDER_CHANNEL } from './changes.ts';
import { normaliseFlags } from './write.ts';
import './tables.ts';

export type FlagMode = 'add' | 'remove' | 'replace';

export type FlagResult = {
  /** Messages whose flags changed, with their new MODSEQ, ascending by UID. */
  updated: Array<{ uid: number; modseq: number; flags: string[] }>;
  /** UIDs not changed because they were modified after `unchangedSince` (CONDSTORE's MODIFIED). */
  modified: number[];
};

/**
 * The flags after the change, computed by the database from the row's current
 * flags so that a row changed by a concurrent transaction is recomputed from
 * its newest version. Keywords compare without regard to case, as in
 * `applyFlags`; the current order is kept and new flags follow.
 */
export function newFlags(mode: FlagMode, wanted: string[]): RawBuilder<string[]> {
  const lower = wanted.map((f) => f.toLowerCase());
  if (mode === 'replace') return sql<string[]>`${wanted}::text[]`;
  if (mode === 'remove') {
    return sql<string[]>`array(select x from unnest(m.flags) with ordinality as u(x, i) where lower(x) <> all(${lower}::text[]) order by i)`;
  }
  return sql<string[]>`m.flags || array(select w from unnest(${wanted}::text[]) with ordinality as u(w, i)
    where lower(w) <> all(array(select lower(x) from unnest(m.flags) as o(x))) order by i)`;
}

/**
 * The CTE `f` of a flag change: when the CTE `upd` changed any row, raises
 * the folder's MODSEQ (already locked by the statement) and notifies every
 * process. It returns one row when it did, none otherwise.
 */
export function raiseModseqAfterUpdate(folderId: string): RawBuilder<unknown> {
  return sql`f as (
      update mail_folders set highest_modseq = highest_modseq + 1
      where id = ${folderId} and exists (select 1 from upd)
      returning pg_notify(${FOLDER_CHANNEL}, json_build_object('folderId', id, 'accountId', account_id, 'modseq', highest_modseq)::text)
    )`;
}

/** True when the change alters the row's flags (as sets, without regard to case). */
function changes(mode: FlagMode, wanted: string[]): RawBuilder<boolean> {
  if (mode !== 'replace') return sql<boolean>`cardinality(${newFlags(mode, wanted)}) <> cardinality(m.flags)`;
  const lower = wanted.map((f) => f.toLowerCase());
  return sql<boolean>`not (array(select lower(x) from unnest(m.flags) as o(x)) @> ${lower}::text[]
    and ${lower}::text[] @> array(select lower(x) from unnest(m.flags) as o(x)))`;
}

/**
 * STORE: changes flags on the given UIDs of one folder, in one statement
 * whatever their number, on the narrow mail_flags rows (migration
 * 0510_mail_flags) rather than the heavily indexed message rows. The messages
 * actually changed get the folder's next MODSEQ (one per call, as RFC 7162
 * allows); the folder's MODSEQ is raised and
 * a notification sent only when something changed. The folder row is locked
 * first, as every other writer does, so concurrent writers cannot deadlock.
 *
 * Outside a caller's transaction the commit does not wait for the disk: a
 * crash can lose the last fraction of a second of flag changes (never a
 * message), which is what mail servers commonly accept for flags and what
 * makes STORE and FETCH BODY[] fast.
 */
export async function setFlags(
  db: Kysely<DB>,
  folderId: string,
  uids: number[],
  mode: FlagMode,
  flags: string[],
  opts: { unchangedSince?: number } = {},
): Promise<FlagResult> {
  if (!uids.length) return { updated: [], modified: [] };
  const wanted = normaliseFlags(flags);
  const since = opts.unchangedSince === undefined ? null : String(opts.unchangedSince);
  const lazyCommit = db.isTransaction ? sql`` : sql`, set_config('synchronous_commit', 'off', true)`;
  const next = newFlags(mode, wanted);
  // \Seen is kept apart as a column (unread counts, the unread index); leave it alone when the change cannot alter it.
  const touchesSeen = mode === 'replace' || wanted.includes('\\Seen');
  const rows = await sql<{ uid: string; modseq: string | null; flags: string[] | null; modified: boolean | null }>`${PREPARED}
    with lock as (
      select highest_modseq + 1 as modseq ${lazyCommit} from mail_folders where id = ${folderId} for update
    ),
    upd as (
      update mail_flags m
      set flags = ${next}, ${touchesSeen ? sql`seen = '\\Seen' = any(${next}),` : sql``} modseq = (select modseq from lock)
      where m.folder_id = ${folderId} and m.uid = any(${uids}::bigint[])
        and (select modseq from lock) is not null
        and (${since}::bigint is null or m.modseq <= ${since}::bigint)
        and ${changes(mode, wanted)}
      returning m.uid, m.modseq, m.flags
    ),
    ${raiseModseqAfterUpdate(folderId)},
    stale as (
      select uid from mail_flags
      where ${since}::bigint is not null and folder_id = ${folderId} and uid = any(${uids}::bigint[]) and modseq > ${since}::bigint
    )
    select uid, modseq, flags, false as modified from upd
    union all select uid, null, null, true from stale
    union all select null, null, null, null from f`.execute(db);
  const updated: FlagResult['updated'] = [];
  const modified: number[] = [];
  for (const r of rows.rows) {
    if (r.uid === null) continue;
    if (r.modified) modified.push(Number(r.uid));
    else updated.push({ uid: Number(r.uid), modseq: Number(r.modseq), flags: r.flags! });
  }
  updated.sort((a, b) => a.uid - b.uid);
  modified.sort((a, b) => a - b);
  return { updated, modified };
}

export function applyFlags(current: string[], mode: FlagMode, flags: string[]): string[] {
  if (mode === 'replace') return normaliseFlags(flags);
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  if (mode === 'remove') return current.filter((f) => !lower.has(f.toLowerCase()));
  return normaliseFlags([...current, ...flags]);
}
