import type { SimpleCommand } from '../protocol/index.ts';
import { bad, ok, type CommandSpec } from '../server/types.ts';

/**
 * STARTTLS (RFC 3501 6.2.1, RFC 9051): the handshake starts straight after the
 * tagged OK; anything the client sent in clear text after the command is thrown
 * away, never run (the reader holds it and the connection discards it).
 */
export const starttls: CommandSpec<SimpleCommand> = {
  states: ['notAuthenticated'],
  async handler(_cmd, session) {
    if (session.transport.secure) return bad('This connection is already encrypted');
    return { ...ok('Begin TLS negotiation now'), after: () => session.transport.startTls() };
  },
};
