import { capability as capabilityLine, type SimpleCommand } from '../protocol/index.ts';
import { capabilities } from '../server/capabilities.ts';
import { ANY_STATE, ok, type CommandSpec } from '../server/types.ts';

/** CAPABILITY (RFC 3501 6.1.1): what this server offers in the session's current state. */
export const capability: CommandSpec<SimpleCommand> = {
  states: ANY_STATE,
  async handler(_cmd, session, ctx) {
    session.send(capabilityLine(capabilities(session, ctx.options)));
    return ok('CAPABILITY completed');
  },
};
