/**
 * The selected mailbox as this session sees it: the UID of each message
 * sequence number, and the MODSEQ up to which changes have been told to the
 * client. Other sessions' changes (new messages, flag changes, expunges) are
 * found with the store's `changesSince` and reported as untagged EXISTS,
 * FETCH and EXPUNGE, in that order of safety: an expunge is held back while
 * sequence numbers must not move (during FETCH, STORE and SEARCH).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import { type Folder, changesSince, listUids } from '../../store/index.ts';
import type { ChangeHub } from './change-hub.ts';
import { expunge, exists, fetchResponse, resolveSequenceSet, type FetchItem, type SequenceSet } from '../protocol/index.ts';

export class SelectedMailbox {
  /** UIDs ascending; position + 1 is the sequence number. Includes expunged messages not yet announced. */
  uids: number[];
  /** Changes with a MODSEQ at or below this have been reported. */
  knownModseq: number;
  /** Expunged by someone, not yet announced to this client. */
  private pendingExpunge = new Set<number>();
  /** MODSEQs this session already reported itself (its own STORE), so the change is not echoed twice. */
  private readonly reported = new Map<number, number>();
  /** Set by the change hub when any process changes the folder; an unchanged folder needs no query. */
  private dirty = false;
  /** MODSEQs of this session's own flag changes: their notifications need no read. */
  private readonly own = new Set<number>();
  private readonly unwatch: () => void;

  private constructor(
    readonly folder: Folder,
    readonly readOnly: boolean,
    hub: ChangeHub,
  ) {
    this.knownModseq = folder.highestModseq;
    this.uids = [];
    this.unwatch = hub.watch(folder.id, (modseq) => {
      if (!this.own.has(modseq)) this.dirty = true;
    });
  }

  /**
   * The folder row is read before the UIDs, and the watch starts before
   * either, so nothing committed in between can be missed.
   */
  static async open(db: Kysely<DB>, folder: Folder, readOnly: boolean, hub: ChangeHub): Promise<SelectedMailbox> {
    const sel = new SelectedMailbox(folder, readOnly, hub);
    try {
      sel.uids = await listUids(db, folder.id);
    } catch (err) {
      sel.close();
      throw err;
    }
    return sel;
  }

  close(): void {
    this.unwatch();
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids.length ? this.uids[this.uids.length - 1] : 0;
  }

  /** Sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid];
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid] < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  isExpunged(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  /** UIDs named by a sequence set of message numbers or of UIDs, ascending, live messages only. */
  resolve(set: SequenceSet, byUid: boolean, saved: number[]): number[] {
    let out: number[];
    if (set.kind === 'saved') out = saved.filter((u) => this.seqOf(u) > 0);
    else if (byUid) {
      out = [];
      for (const [lo, hi] of resolveSequenceSet(set, this.maxUid || 1)) {
        for (let i = this.lowerBound(lo); i < this.uids.length && this.uids[i] <= hi; i++) out.push(this.uids[i]);
      }
    } else {
      out = [];
      const n = this.uids.length;
      // numbers beyond the end name nothing, as with UIDs; clients send 1:* to empty mailboxes
      if (n > 0) for (const [lo, hi] of resolveSequenceSet(set, n)) for (let s = lo; s <= Math.min(hi, n); s++) out.push(this.uids[s - 1]);
    }
    return this.pendingExpunge.size ? out.filter((u) => !this.pendingExpunge.has(u)) : out;
  }

  /** This session told the client about a change itself (STORE's FETCH replies). */
  noteReported(uid: number, modseq: number): void {
    this.reported.set(uid, Math.max(modseq, this.reported.get(uid) ?? 0));
    this.own.add(modseq);
  }

  /**
   * Finds what changed since the last report and returns the untagged
   * responses, in an order the client can follow: EXPUNGE (highest sequence
   * number first, so the lower numbers stay right), then EXISTS, then FETCH.
   */
  async refresh(db: Kysely<DB>, opts: { expungeAllowed: boolean; condstore: boolean; force?: boolean }): Promise<Buffer[]> {
    const out: Buffer[] = [];
    if (!opts.force && !this.dirty && !(opts.expungeAllowed && this.pendingExpunge.size)) return out;
    this.dirty = false;
    const ch = await changesSince(db, this.folder.id, this.knownModseq);
    for (const uid of ch.expunged) if (this.seqOf(uid)) this.pendingExpunge.add(uid);
    if (opts.expungeAllowed && this.pendingExpunge.size) {
      const seqs = [...this.pendingExpunge].map((u) => this.seqOf(u)).filter((s) => s > 0).sort((a, b) => b - a);
      for (const s of seqs) out.push(expunge(s));
      const gone = this.pendingExpunge;
      this.uids = this.uids.filter((u) => !gone.has(u));
      this.pendingExpunge = new Set();
    }
    const before = this.uids.length;
    const max = this.maxUid;
    const fresh = new Set<number>();
    for (const c of ch.changed) {
      if (c.uid > max && (this.uids.length === 0 || c.uid > this.uids[this.uids.length - 1])) {
        this.uids.push(c.uid);
        fresh.add(c.uid);
      }
    }
    if (this.uids.length !== before) out.push(exists(this.uids.length));
    for (const c of ch.changed) {
      if (fresh.has(c.uid) || this.pendingExpunge.has(c.uid)) continue;
      if ((this.reported.get(c.uid) ?? 0) >= c.modseq) continue;
      const seq = this.seqOf(c.uid);
      if (!seq) continue;
      const items: FetchItem[] = [{ name: 'UID', value: c.uid }, { name: 'FLAGS', flags: c.flags }];
      if (opts.condstore) items.push({ name: 'MODSEQ', value: c.modseq });
      out.push(fetchResponse(seq, items));
    }
    this.knownModseq = Math.max(this.knownModseq, ch.highestModseq);
    for (const [uid, m] of this.reported) if (m <= this.knownModseq) this.reported.delete(uid);
    for (const m of this.own) if (m <= this.knownModseq) this.own.delete(m);
    return out;
  }
}
