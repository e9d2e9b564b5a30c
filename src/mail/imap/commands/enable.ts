import { enabled, type EnableCommand } from '../protocol/index.ts';
import { SIGNED_IN, ok, type CommandSpec } from '../server/types.ts';

const ENABLEABLE = new Set(['CONDSTORE', 'IMAP4REV2']);

/**
 * ENABLE (RFC 5161): CONDSTORE, and IMAP4rev2 (RFC 9051), which switches the
 * session to rev2's ways: no \Recent, ESEARCH replies to SEARCH, UTF-8
 * mailbox names both ways, a LIST reply on SELECT. Names are read as UTF-8
 * from the next command on (clients must not pipeline after ENABLE).
 */
export const enable: CommandSpec<EnableCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session) {
    const now: string[] = [];
    for (const c of cmd.capabilities) {
      if (!ENABLEABLE.has(c) || session.enabled.has(c)) continue;
      session.enabled.add(c);
      if (c === 'CONDSTORE') session.condstore = true;
      if (c === 'IMAP4REV2') {
        session.rev2 = true;
        session.transport.setUtf8(true);
      }
      now.push(c === 'IMAP4REV2' ? 'IMAP4rev2' : c);
    }
    session.send(enabled(now));
    return ok('ENABLE completed');
  },
};
