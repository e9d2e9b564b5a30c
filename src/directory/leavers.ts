import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { type Actor, reachableRoots } from '../identity/authorise.ts';
import { NotAllowedError } from '../identity/authorise.ts';
import { NotFoundError } from '../shared/errors.ts';
import { directoryDb } from './tables.ts';

/**
 * What a joining organisation's LA sees of a leaver before accepting them: the
 * name, where they are leaving and since when; enough to be sure of the person,
 * nothing more, since the leaver is not yet in their organisation.
 */
export async function findLeaverByEmail(db: Kysely<DB>, actor: Actor, email: string) {
  const roots = await reachableRoots(db, actor, 'account.lifecycle');
  if (roots !== 'everywhere' && !roots.length) throw new NotAllowedError('Only Local Administrators can accept joiners.');
  const row = await directoryDb(db)
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select(['a.id', 'a.email', 'a.display_name', 'a.first_name', 'a.last_name', 'a.job_title', 'a.status_changed_at', 'o.name as organisation_name', 'o.code as organisation_code'])
    .where('a.email', '=', email.trim().toLowerCase())
    .where('a.status', '=', 'leaver')
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`There is no leaver with the address ${email.trim()}. Check the address with the person; their old organisation's Local Administrator marks them as a leaver first.`);
  return row;
}
