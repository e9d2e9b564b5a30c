import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { nextModseq, notifyFolders } from './changes.ts';
import { normaliseFlags } from './write.ts';
import './tables.ts';

export type FlagMode = 'add' | 'remove' | 'replace';

export type FlagResult = {
  /** Messages whose flags changed, with their new MODSEQ. */
  updated: Array<{ uid: number; modseq: number; flags: string[] }>;
  /** UIDs not changed because they were modified after `unchangedSince` (CONDSTORE's MODIFIED). */
  modified: number[];
};

/**
 * STORE: changes flags on the given UIDs of one folder. Every message actually
 * changed gets the folder's next MODSEQ (one per call, as RFC 7162 allows).
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
  return db.transaction().execute(async (trx) => {
    const { modseq, accountId } = await nextModseq(trx, folderId);
    const rows = await trx
      .selectFrom('mail_messages')
      .select(['id', 'uid', 'modseq', 'flags'])
      .where('folder_id', '=', folderId)
      .where('uid', 'in', uids.map(String))
      .orderBy('uid')
      .forUpdate()
      .execute();
    const updated: FlagResult['updated'] = [];
    const modified: number[] = [];
    const ids: string[] = [];
    const newFlags: string[] = [];
    for (const r of rows) {
      if (opts.unchangedSince !== undefined && Number(r.modseq) > opts.unchangedSince) {
        modified.push(Number(r.uid));
        continue;
      }
      const next = applyFlags(r.flags, mode, wanted);
      if (sameFlags(next, r.flags)) continue;
      ids.push(r.id);
      newFlags.push(JSON.stringify(next));
      updated.push({ uid: Number(r.uid), modseq, flags: next });
    }
    if (ids.length) {
      await sql`
        update mail_messages m
        set flags = array(select jsonb_array_elements_text(u.f::jsonb)), seen = (u.f::jsonb ? '\\Seen'), modseq = ${modseq}
        from unnest(${ids}::bigint[], ${newFlags}::text[]) as u(id, f)
        where m.id = u.id`.execute(trx);
      await notifyFolders(trx, [{ folderId, accountId, modseq }]);
    }
    return { updated, modified };
  });
}

export function applyFlags(current: string[], mode: FlagMode, flags: string[]): string[] {
  if (mode === 'replace') return normaliseFlags(flags);
  const lower = new Set(flags.map((f) => f.toLowerCase()));
  if (mode === 'remove') return current.filter((f) => !lower.has(f.toLowerCase()));
  return normaliseFlags([...current, ...flags]);
}

function sameFlags(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map((x) => x.toLowerCase()));
  return b.every((x) => s.has(x.toLowerCase()));
}
