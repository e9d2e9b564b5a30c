import { parseSaslResponse, saslChallenge, ImapParseError, type AuthenticateCommand } from '../protocol/index.ts';
import { clearTextRefusal, signIn } from '../server/sign-in.ts';
import { bad, no, type CommandSpec } from '../server/types.ts';

/**
 * AUTHENTICATE PLAIN (RFC 3501 6.2.2, RFC 4616), with SASL-IR's initial
 * response (RFC 4959) or one `+` round trip.
 */
export const authenticate: CommandSpec<AuthenticateCommand> = {
  states: ['notAuthenticated'],
  async handler(cmd, session, ctx) {
    if (cmd.mechanism !== 'PLAIN') return no(`The ${cmd.mechanism} mechanism is not supported here; use PLAIN`, { name: 'CANNOT' });
    const refusal = clearTextRefusal(session, ctx);
    if (refusal) return refusal;
    let data = cmd.initialResponse;
    if (!data) {
      session.send(saslChallenge(Buffer.alloc(0)));
      const line = await session.transport.readLine();
      if (line === null) return bad('Connection closed during authentication');
      let response;
      try {
        response = parseSaslResponse(line);
      } catch (err) {
        return bad(err instanceof ImapParseError ? err.reason : 'Bad SASL response');
      }
      if (response.cancelled) return bad('Authentication cancelled');
      data = response.data;
    }
    const parts = data.toString('utf8').split('\0');
    if (parts.length !== 3) return bad('A PLAIN response is authorisation identity, NUL, user name, NUL, password');
    const [authzid, login, password] = parts;
    if (authzid && authzid.toLowerCase() !== login.toLowerCase()) {
      return no('Signing in as someone else is not allowed', { name: 'AUTHORIZATIONFAILED' });
    }
    return signIn(session, ctx, login, password);
  },
};
