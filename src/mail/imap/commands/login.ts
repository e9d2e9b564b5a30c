import type { LoginCommand } from '../protocol/index.ts';
import { clearTextRefusal, signIn } from '../server/sign-in.ts';
import type { CommandSpec } from '../server/types.ts';

/** LOGIN (RFC 3501 6.2.3): refused on an unencrypted connection except on loopback in development. */
export const login: CommandSpec<LoginCommand> = {
  states: ['notAuthenticated'],
  async handler(cmd, session, ctx) {
    return clearTextRefusal(session, ctx) ?? signIn(session, ctx, cmd.username, cmd.password);
  },
};
