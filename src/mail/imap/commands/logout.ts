import { untaggedStatus, type SimpleCommand } from '../protocol/index.ts';
import { ANY_STATE, ok, type CommandSpec } from '../server/types.ts';

/** LOGOUT (RFC 3501 6.1.3): BYE, the tagged OK, then the connection closes. */
export const logout: CommandSpec<SimpleCommand> = {
  states: ANY_STATE,
  async handler(_cmd, session) {
    session.send(untaggedStatus('BYE', 'Caremail IMAP signing off'));
    session.deselect();
    return { ...ok('LOGOUT completed'), after: () => session.transport.close() };
  },
};
