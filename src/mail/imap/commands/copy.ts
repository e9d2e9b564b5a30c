import { copyMessages, getFolder } from '../../store/index.ts';
import { sequenceSetFromNumbers, type CopyMoveCommand } from '../protocol/index.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

/** COPY (RFC 3501 6.4.7) with UIDPLUS's COPYUID; the copies share the original's bytes. */
export const copy: CommandSpec<CopyMoveCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    const dest = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!dest) return no(`There is no mailbox called ${cmd.mailbox}; create it first`, { name: 'TRYCREATE' });
    const uids = sel.resolve(cmd.sequence, cmd.uid, session.savedUids);
    if (!uids.length) return ok('Nothing to copy');
    const map = await copyMessages(ctx.db, sel.folder.id, uids, dest.id);
    if (!map.length) return ok('Nothing to copy');
    return {
      ...ok('COPY completed', {
        name: 'COPYUID', uidValidity: dest.uidValidity,
        source: sequenceSetFromNumbers(map.map((m) => m.from)), destination: sequenceSetFromNumbers(map.map((m) => m.to)),
      }),
      changedFolder: dest.id === sel.folder.id,
    };
  },
};
