import { setSubscribed } from '../../store/index.ts';
import type { MailboxCommand } from '../protocol/index.ts';
import { SIGNED_IN, ok, type CommandSpec } from '../server/types.ts';

/** SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6-7). */
export const subscribe: CommandSpec<MailboxCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    await setSubscribed(ctx.db, session.accountId!, cmd.mailbox, cmd.name === 'SUBSCRIBE');
    return ok(`${cmd.name} completed`);
  },
};
