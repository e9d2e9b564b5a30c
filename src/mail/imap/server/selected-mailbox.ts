/**
 * The selected mailbox as this session sees it: the UID of each message
 * sequence number, and the MODSEQ up to which changes have been told to the
 * client. Other sessions' changes (new messages, flag changes, expunges) are
 * found with the store's `changesSince` and reported as untagged EXISTS,
 * FETCH and EXPUNGE, in that order of safety: an expunge is held back while
 * sequence numbers must not move (during FETCH, STORE and SEARCH).
 *
 * UIDs are kept in a Uint32Array (IMAP UIDs are 32-bit): four bytes a message,
 * which is most of what an idle session on a large mailbox costs. \Recent is
 * kept as the UID ranges this session claimed (see the store's `claimRecent`).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import { type Folder, changesSince, claimRecent, peekRecent } from '../../store/index.ts';
import type { ChangeHub } from './change-hub.ts';
import type { UidLists } from './uid-lists.ts';
import { expunge, exists, fetchResponse, recent, resolveSequenceSet, type FetchItem, type SequenceSet } from '../protocol/index.ts';

export class SelectedMailbox {
  /** UIDs ascending in [0, count); position + 1 is the sequence number. Includes expunged messages not yet announced. */
  private ids: Uint32Array = new Uint32Array(0);
  private count = 0;
  /** Changes with a MODSEQ at or below this have been reported. */
  knownModseq: number;
  /** Expunged by someone, not yet announced to this client. */
  private pendingExpunge = new Set<number>();
  /** MODSEQs this session already reported itself (its own STORE), so the change is not echoed twice. */
  private readonly reported = new Map<number, number>();
  /**
   * The highest MODSEQ the change hub announced that is not known to be this
   * session's own: above `knownModseq`, the folder must be read. A number
   * rather than a flag, because the notification of this session's own change
   * can arrive before the reply to the statement that made it.
   */
  private heardModseq = 0;
  /** MODSEQs of this session's own flag changes: their notifications need no read. */
  private readonly own = new Set<number>();
  /** UID ranges (lo, hi] recent to this session, as flat pairs. */
  private recentRanges: number[] = [];
  private readonly unwatch: () => void;

  private constructor(
    readonly folder: Folder,
    readonly readOnly: boolean,
    hub: ChangeHub,
  ) {
    this.knownModseq = folder.highestModseq;
    this.unwatch = hub.watch(folder.id, (modseq) => {
      if (modseq > this.heardModseq && !this.own.has(modseq)) this.heardModseq = modseq;
    });
  }

  /**
   * The folder row is read before the UIDs, and the watch starts before
   * either, so nothing committed in between can be missed. SELECT claims the
   * messages no session has seen as recent; EXAMINE only looks.
   */
  static async open(db: Kysely<DB>, folder: Folder, readOnly: boolean, hub: ChangeHub, lists: UidLists): Promise<SelectedMailbox> {
    const sel = new SelectedMailbox(folder, readOnly, hub);
    try {
      const [uids, range] = await Promise.all([lists.read(db, folder), readOnly ? peekRecent(db, folder.id) : claimRecent(db, folder.id)]);
      sel.ids = uids;
      sel.count = uids.length;
      sel.addRecent(range.before, range.after);
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
    return this.count;
  }

  get maxUid(): number {
    return this.count ? this.ids[this.count - 1] : 0;
  }

  /** UID of a sequence number (1-based). */
  uidAt(seq: number): number {
    return this.ids[seq - 1];
  }

  /** Sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    const i = this.lowerBound(uid);
    return i < this.count && this.ids[i] === uid ? i + 1 : 0;
  }

  private lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ids[mid] < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private push(uid: number): void {
    if (this.count === this.ids.length) {
      const grown = new Uint32Array(Math.max(16, this.ids.length * 2));
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.count++] = uid;
  }

  isExpunged(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  private addRecent(before: number, after: number): void {
    if (after > before) this.recentRanges.push(before, after);
  }

  /** \Recent: this session is the first to have been told of the message. */
  isRecent(uid: number): boolean {
    const r = this.recentRanges;
    for (let i = 0; i < r.length; i += 2) if (uid > r[i] && uid <= r[i + 1]) return true;
    return false;
  }

  /** How many messages in the mailbox are recent to this session (SELECT's and IMAP4rev1's RECENT). */
  get recentCount(): number {
    let n = 0;
    const r = this.recentRanges;
    for (let i = 0; i < r.length; i += 2) n += this.lowerBound(r[i + 1] + 1) - this.lowerBound(r[i] + 1);
    return n;
  }

  /** The flags as this session shows them: \Recent added when it is recent here (never in IMAP4rev2, which dropped it). */
  flagsFor(uid: number, flags: string[], rev2: boolean): string[] {
    return !rev2 && this.isRecent(uid) ? [...flags, '\\Recent'] : flags;
  }

  /** UIDs named by a sequence set of message numbers or of UIDs, ascending, live messages only. */
  resolve(set: SequenceSet, byUid: boolean, saved: number[]): number[] {
    let out: number[];
    if (set.kind === 'saved') out = saved.filter((u) => this.seqOf(u) > 0);
    else if (byUid) {
      out = [];
      for (const [lo, hi] of resolveSequenceSet(set, this.maxUid || 1)) {
        for (let i = this.lowerBound(lo); i < this.count && this.ids[i] <= hi; i++) out.push(this.ids[i]);
      }
    } else {
      out = [];
      const n = this.count;
      // numbers beyond the end name nothing, as with UIDs; clients send 1:* to empty mailboxes
      if (n > 0) for (const [lo, hi] of resolveSequenceSet(set, n)) for (let s = lo; s <= Math.min(hi, n); s++) out.push(this.ids[s - 1]);
    }
    return this.pendingExpunge.size ? out.filter((u) => !this.pendingExpunge.has(u)) : out;
  }

  /** This session told the client about a change itself (STORE's FETCH replies, FETCH setting \Seen). */
  noteReported(uid: number, modseq: number): void {
    this.reported.set(uid, Math.max(modseq, this.reported.get(uid) ?? 0));
    this.own.add(modseq);
  }

  /**
   * This session's own change to these UIDs got `modseq`. When nothing else
   * happened in between, the whole change is known and the session simply
   * moves on, remembering nothing per message.
   */
  noteOwnChange(uids: number[], modseq: number): void {
    // MODSEQs are given one at a time under the folder's lock: the next one after what is known can only be this change
    if (modseq === this.knownModseq + 1) {
      this.knownModseq = modseq;
      return;
    }
    for (const uid of uids) this.noteReported(uid, modseq);
  }

  /**
   * Finds what changed since the last report and returns the untagged
   * responses, in an order the client can follow: EXPUNGE (highest sequence
   * number first, so the lower numbers stay right), then EXISTS (and RECENT
   * for IMAP4rev1), then FETCH. New messages found here are claimed as recent
   * by this session, unless it only EXAMINEs.
   */
  async refresh(db: Kysely<DB>, opts: { expungeAllowed: boolean; condstore: boolean; force?: boolean; rev2?: boolean }): Promise<Buffer[]> {
    const out: Buffer[] = [];
    if (!opts.force && this.heardModseq <= this.knownModseq && !(opts.expungeAllowed && this.pendingExpunge.size)) return out;
    const ch = await changesSince(db, this.folder.id, this.knownModseq);
    for (const uid of ch.expunged) if (this.seqOf(uid)) this.pendingExpunge.add(uid);
    if (opts.expungeAllowed && this.pendingExpunge.size) {
      const seqs = [...this.pendingExpunge].map((u) => this.seqOf(u)).filter((s) => s > 0).sort((a, b) => b - a);
      for (const s of seqs) out.push(expunge(s));
      const gone = this.pendingExpunge;
      let n = 0;
      for (let i = 0; i < this.count; i++) if (!gone.has(this.ids[i])) this.ids[n++] = this.ids[i];
      this.count = n;
      this.pendingExpunge = new Set();
    }
    const before = this.count;
    const fresh = new Set<number>();
    for (const c of ch.changed) {
      if (c.uid > this.maxUid) {
        this.push(c.uid);
        fresh.add(c.uid);
      }
    }
    if (this.count !== before) {
      if (!this.readOnly) {
        const claimed = await claimRecent(db, this.folder.id, this.maxUid);
        this.addRecent(claimed.before, claimed.after);
      }
      out.push(exists(this.count));
      if (!opts.rev2) out.push(recent(this.recentCount));
    }
    for (const c of ch.changed) {
      if (fresh.has(c.uid) || this.pendingExpunge.has(c.uid)) continue;
      if ((this.reported.get(c.uid) ?? 0) >= c.modseq) continue;
      const seq = this.seqOf(c.uid);
      if (!seq) continue;
      const items: FetchItem[] = [{ name: 'UID', value: c.uid }, { name: 'FLAGS', flags: this.flagsFor(c.uid, c.flags, opts.rev2 ?? false) }];
      if (opts.condstore) items.push({ name: 'MODSEQ', value: c.modseq });
      out.push(fetchResponse(seq, items));
    }
    this.knownModseq = Math.max(this.knownModseq, ch.highestModseq);
    for (const [uid, m] of this.reported) if (m <= this.knownModseq) this.reported.delete(uid);
    for (const m of this.own) if (m <= this.knownModseq) this.own.delete(m);
    return out;
  }
}
