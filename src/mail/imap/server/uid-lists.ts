/**
 * The UID lists of folders selected lately in this process, so that SELECT of
 * a large folder reads only what changed since (`uidListChanges`: new UIDs
 * above the last one known, UIDs expunged after the MODSEQ the list was
 * current at) instead of every UID again. Clients select the same folders
 * over and over; a list of 10,000 UIDs took about 10 ms to read whole.
 *
 * A list is kept with the UIDVALIDITY it belongs to (a rename gives a new
 * one) and is trusted for a few minutes only; the sessions own copies, never
 * the cached array. The cache holds at most MAX_UIDS UIDs, the least lately
 * used folder going first.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import { type Folder, listUids, uidListChanges } from '../../store/index.ts';

const MAX_UIDS = 4_000_000;
const MAX_AGE_MS = 5 * 60_000;

type Entry = { uidValidity: number; modseq: number; uids: Uint32Array; at: number };

export class UidLists {
  private readonly entries = new Map<string, Entry>();
  private held = 0;

  constructor(private readonly maxUids = MAX_UIDS) {}

  /**
   * Every UID of the folder, ascending, as of no earlier than `folder` was
   * read (its `highestModseq` must come from a read made before this call).
   */
  async read(db: Kysely<DB>, folder: Folder, now = Date.now()): Promise<Uint32Array> {
    const cached = this.entries.get(folder.id);
    let uids: Uint32Array;
    if (cached && cached.uidValidity === folder.uidValidity && now - cached.at < MAX_AGE_MS) {
      const last = cached.uids.length ? cached.uids[cached.uids.length - 1] : 0;
      const { added, expunged } = await uidListChanges(db, folder.id, last, cached.modseq);
      uids = apply(cached.uids, added, expunged);
    } else {
      uids = Uint32Array.from(await listUids(db, folder.id));
    }
    this.remember(folder, uids, now);
    return uids.slice();
  }

  private remember(folder: Folder, uids: Uint32Array, now: number): void {
    this.forget(folder.id);
    if (uids.length > this.maxUids) return;
    // what happened after the folder row was read is either in `uids` already or will be asked for again: both are safe
    this.entries.set(folder.id, { uidValidity: folder.uidValidity, modseq: folder.highestModseq, uids, at: now });
    this.held += uids.length;
    for (const [id, e] of this.entries) {
      if (this.held <= this.maxUids) break;
      this.forget(id, e);
    }
  }

  private forget(id: string, e = this.entries.get(id)): void {
    if (!e) return;
    this.entries.delete(id);
    this.held -= e.uids.length;
  }

  /** How many folders are held (tests). */
  get size(): number {
    return this.entries.size;
  }
}

/** The list without the expunged UIDs, with the added ones (all above its last) at the end. */
function apply(list: Uint32Array, added: number[], expunged: number[]): Uint32Array {
  if (!added.length && !expunged.length) return list;
  const gone = new Set(expunged);
  const out = new Uint32Array(list.length + added.length);
  let n = 0;
  for (let i = 0; i < list.length; i++) if (!gone.has(list[i])) out[n++] = list[i];
  for (const uid of added) if (!gone.has(uid)) out[n++] = uid;
  return out.subarray(0, n);
}
