import { enabled, type EnableCommand } from '../protocol/index.ts';
import { SIGNED_IN, bad, ok, type CommandSpec } from '../server/types.ts';

/** How ENABLED names each one (RFC 5161 echoes the capability as advertised). */
const ENABLEABLE = new Map([['CONDSTORE', 'CONDSTORE'], ['IMAP4REV2', 'IMAP4rev2'], ['UTF8=ACCEPT', 'UTF8=ACCEPT']]);

/**
 * ENABLE (RFC 5161): CONDSTORE; UTF8=ACCEPT (RFC 6855), which switches
 * mailbox names to UTF-8 both ways; and IMAP4rev2 (RFC 9051), which includes
 * UTF8=ACCEPT's names and switches the session to rev2's ways: no \Recent,
 * ESEARCH replies to SEARCH, a LIST reply on SELECT, and what rev2 removed
 * refused (server/enabled-limits.ts). Names are read as UTF-8 from the next
 * command on (clients must not pipeline after ENABLE).
 */
export const enable: CommandSpec<EnableCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session) {
    // RFC 6855 3: names must not change meaning under a selected mailbox
    if (session.state === 'selected' && cmd.capabilities.includes('UTF8=ACCEPT') && !session.utf8) {
      return bad('ENABLE UTF8=ACCEPT is only valid before a mailbox is selected; UNSELECT first');
    }
    const now: string[] = [];
    for (const c of cmd.capabilities) {
      const shown = ENABLEABLE.get(c);
      if (!shown || session.enabled.has(c)) continue;
      session.enabled.add(c);
      if (c === 'CONDSTORE') session.condstore = true;
      if (c === 'IMAP4REV2') session.rev2 = true;
      if (c === 'IMAP4REV2' || c === 'UTF8=ACCEPT') session.useUtf8();
      now.push(shown);
    }
    session.send(enabled(now));
    return ok('ENABLE completed');
  },
};
