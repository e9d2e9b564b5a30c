import { setFlags } from '../../store/index.ts';
import { fetchResponse, sequenceSetFromNumbers, type FetchItem, type StoreCommand } from '../protocol/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

/** One statement per this many messages, so a STORE on a huge mailbox is not one enormous statement. */
const BATCH = 20_000;

/**
 * STORE (RFC 3501 6.4.6) with CONDSTORE's UNCHANGEDSINCE and MODIFIED
 * (RFC 7162). Each changed message is reported with its new flags (and MODSEQ
 * when CONDSTORE is on) unless .SILENT; the change is noted so the next update
 * does not report it again.
 */
export const store: CommandSpec<StoreCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    if (sel.readOnly) return no('This mailbox was opened with EXAMINE, so flags cannot be changed', { name: 'READ-ONLY' });
    if (cmd.unchangedSince !== undefined) session.condstore = true;
    const uids = sel.resolve(cmd.sequence, cmd.uid, session.savedUids);
    const unchangedSince = cmd.unchangedSince === undefined ? undefined : Number(cmd.unchangedSince);
    const quiet = cmd.silent && !session.condstore;
    const modified: number[] = [];
    let sent = 0;
    for (let i = 0; i < uids.length; i += BATCH) {
      const r = await setFlags(ctx.db, sel.folder.id, uids.slice(i, i + BATCH), cmd.operation === 'set' ? 'replace' : cmd.operation, cmd.flags, { unchangedSince });
      modified.push(...r.modified);
      if (!r.updated.length) continue;
      sel.noteOwnChange(r.updated.map((u) => u.uid), r.updated[0].modseq);
      if (quiet) continue;
      for (const u of r.updated) {
        const seq = sel.seqOf(u.uid);
        if (!seq) continue;
        const items: FetchItem[] = [];
        if (!cmd.silent) items.push({ name: 'FLAGS', flags: sel.flagsFor(u.uid, u.flags, session.rev2) });
        if (cmd.uid || session.condstore) items.unshift({ name: 'UID', value: u.uid });
        if (session.condstore) items.push({ name: 'MODSEQ', value: u.modseq });
        if (!session.send(fetchResponse(seq, items)) || ++sent % 2000 === 0) await session.transport.drained();
      }
    }
    if (modified.length) {
      const numbers = cmd.uid ? modified : modified.map((u) => sel.seqOf(u)).filter((s) => s > 0);
      return ok('Some messages were changed by someone else since then', { name: 'MODIFIED', set: sequenceSetFromNumbers(numbers) });
    }
    return ok('STORE completed');
  },
};
