import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * Removes from People Finder's list of names (`directory_names`, migration
 * 0220) those no shown person bears any more: the names of erased, deleted or
 * renamed people. The list must never lack a name someone bears, so the table
 * is locked against the triggers that add names while it is pruned: a person
 * added meanwhile waits, and adds their name back after.
 */
export async function pruneUnusedNames(db: Kysely<DB>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table directory_names in exclusive mode`.execute(trx);
    // The same conditions as the partial name indexes, so each check is one index probe.
    const shown = sql`a.kind = 'person' and a.status not in ('deleted', 'deleted_permanent')`;
    const result = await sql`
      delete from directory_names n
      where case n.part
        when 'l' then not exists (select 1 from accounts a where a.search_last = n.name and ${shown})
        else not exists (select 1 from accounts a where a.search_first = n.name and ${shown}) end`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}
