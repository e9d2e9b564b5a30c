import { expungeMessages, uidsWithFlag } from '../../store/index.ts';
import type { ExpungeCommand } from '../protocol/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

/**
 * EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (UIDPLUS): the messages go from the
 * store; the dispatcher's update then sends this session's EXPUNGE responses,
 * like any other session's.
 */
export const expunge: CommandSpec<ExpungeCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    if (sel.readOnly) return no('This mailbox was opened with EXAMINE, so nothing can be expunged', { name: 'READ-ONLY' });
    if (cmd.uid && cmd.sequence) {
      const uids = sel.resolve(cmd.sequence, true, session.savedUids);
      await expungeMessages(ctx.db, sel.folder.id, await uidsWithFlag(ctx.db, sel.folder.id, uids, '\\Deleted'));
    } else {
      await expungeMessages(ctx.db, sel.folder.id);
    }
    return { ...ok('EXPUNGE completed'), expungeAllowed: true, changedFolder: true };
  },
};
