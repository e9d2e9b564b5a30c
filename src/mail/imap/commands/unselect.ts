import type { SimpleCommand } from '../protocol/index.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';

/** UNSELECT (RFC 3691): leave the mailbox without expunging anything. */
export const unselect: CommandSpec<SimpleCommand> = {
  states: SELECTED,
  async handler(_cmd, session) {
    session.deselect();
    return ok('UNSELECT completed');
  },
};
