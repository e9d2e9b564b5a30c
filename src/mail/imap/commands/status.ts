import { getFolder } from '../../store/index.ts';
import { mailboxStatus, type StatusCommand } from '../protocol/index.ts';
import { statusValues } from '../server/status-values.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/** STATUS (RFC 3501 6.3.10, CONDSTORE HIGHESTMODSEQ, RFC 8438 SIZE, RFC 9051 DELETED). */
export const status: CommandSpec<StatusCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const folder = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!folder) return no(`There is no mailbox called ${cmd.mailbox}`, { name: 'NONEXISTENT' });
    if (cmd.items.includes('HIGHESTMODSEQ')) session.condstore = true;
    session.send(mailboxStatus(cmd.mailbox, await statusValues(ctx.db, folder, cmd.items, ctx.options.maxMessageBytes), session.names));
    return ok('STATUS completed');
  },
};
