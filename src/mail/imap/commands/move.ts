import { getFolder, moveMessages } from '../../store/index.ts';
import { sequenceSetFromNumbers, untaggedStatus, type CopyMoveCommand } from '../protocol/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

/**
 * MOVE (RFC 6851): one transaction in the store; COPYUID comes untagged before
 * the EXPUNGE responses, which the dispatcher's update sends.
 */
export const move: CommandSpec<CopyMoveCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    if (sel.readOnly) return no('This mailbox was opened with EXAMINE, so nothing can be moved out of it', { name: 'READ-ONLY' });
    const dest = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!dest) return no(`There is no mailbox called ${cmd.mailbox}; create it first`, { name: 'TRYCREATE' });
    const uids = sel.resolve(cmd.sequence, cmd.uid, session.savedUids);
    if (!uids.length) return ok('Nothing to move');
    if (dest.id === sel.folder.id) return no('The messages are already in that mailbox', { name: 'CANNOT' });
    const map = await moveMessages(ctx.db, sel.folder.id, uids, dest.id);
    if (map.length) {
      session.send(untaggedStatus('OK', 'Moved', {
        name: 'COPYUID', uidValidity: dest.uidValidity,
        source: sequenceSetFromNumbers(map.map((m) => m.from)), destination: sequenceSetFromNumbers(map.map((m) => m.to)),
      }));
    }
    return { ...ok('MOVE completed'), expungeAllowed: true, changedFolder: true };
  },
};
