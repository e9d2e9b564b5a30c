import type { SimpleCommand } from '../protocol/index.ts';
import { ANY_STATE, ok, type CommandSpec } from '../server/types.ts';

/** NOOP (RFC 3501 6.1.2): nothing, except that the dispatcher reports mailbox changes before the reply. */
export const noop: CommandSpec<SimpleCommand> = {
  states: ANY_STATE,
  async handler() {
    return ok('NOOP completed');
  },
};
