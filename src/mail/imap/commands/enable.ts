import { enabled, type EnableCommand } from '../protocol/index.ts';
import { SIGNED_IN, ok, type CommandSpec } from '../server/types.ts';

const ENABLEABLE = new Set(['CONDSTORE']);

/** ENABLE (RFC 5161): CONDSTORE is the extension here that changes what the server sends. */
export const enable: CommandSpec<EnableCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session) {
    const now: string[] = [];
    for (const c of cmd.capabilities) {
      if (!ENABLEABLE.has(c) || session.enabled.has(c)) continue;
      session.enabled.add(c);
      if (c === 'CONDSTORE') session.condstore = true;
      now.push(c);
    }
    session.send(enabled(now));
    return ok('ENABLE completed');
  },
};
