import type { SimpleCommand } from '../protocol/index.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';

/** CHECK (RFC 3501 6.4.1): every change is already durable in the database, so this is a NOOP. */
export const check: CommandSpec<SimpleCommand> = {
  states: SELECTED,
  async handler() {
    return ok('CHECK completed');
  },
};
