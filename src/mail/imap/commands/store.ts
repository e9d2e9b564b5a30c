import { setFlags, type FlagResult } from '../../store/index.ts';
import { fetchResponse, sequenceSetFromNumbers, type FetchItem, type StoreCommand } from '../protocol/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

/** Flags change in batches so a STORE on 100,000 messages stays within PostgreSQL's parameter limit. */
const BATCH = 5000;

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
    const result: FlagResult = { updated: [], modified: [] };
    for (let i = 0; i < uids.length; i += BATCH) {
      const r = await setFlags(ctx.db, sel.folder.id, uids.slice(i, i + BATCH), cmd.operation === 'set' ? 'replace' : cmd.operation, cmd.flags, { unchangedSince });
      result.updated.push(...r.updated);
      result.modified.push(...r.modified);
    }
    let sent = 0;
    for (const u of result.updated) {
      sel.noteReported(u.uid, u.modseq);
      const seq = sel.seqOf(u.uid);
      if (!seq) continue;
      const items: FetchItem[] = [];
      if (!cmd.silent) items.push({ name: 'FLAGS', flags: u.flags });
      if (cmd.uid || session.condstore) items.unshift({ name: 'UID', value: u.uid });
      if (session.condstore) items.push({ name: 'MODSEQ', value: u.modseq });
      if (!cmd.silent || session.condstore) session.send(fetchResponse(seq, items));
      if (++sent % 500 === 0) await session.transport.drained();
    }
    if (result.modified.length) {
      const numbers = cmd.uid ? result.modified : result.modified.map((u) => sel.seqOf(u)).filter((s) => s > 0);
      return ok('Some messages were changed by someone else since then', { name: 'MODIFIED', set: sequenceSetFromNumbers(numbers) });
    }
    return ok('STORE completed');
  },
};
