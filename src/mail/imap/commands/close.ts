import { expungeMessages } from '../../store/index.ts';
import type { SimpleCommand } from '../protocol/index.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';

/** CLOSE (RFC 3501 6.4.2): silently expunge \Deleted messages (unless read-only), then leave the mailbox. */
export const close: CommandSpec<SimpleCommand> = {
  states: SELECTED,
  async handler(_cmd, session, ctx) {
    const sel = session.selected!;
    session.deselect();
    if (!sel.readOnly) await expungeMessages(ctx.db, sel.folder.id);
    return ok('CLOSE completed');
  },
};
