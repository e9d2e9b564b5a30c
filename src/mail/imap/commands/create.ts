import { createFolder, FOLDER_DELIMITER } from '../../store/index.ts';
import type { CreateCommand } from '../protocol/index.ts';
import { inSharedNamespace } from '../server/mailbox-names.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/** CREATE (RFC 3501 6.3.3, CREATE-SPECIAL-USE RFC 6154). A trailing delimiter is allowed and ignored. */
export const create: CommandSpec<CreateCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const name = cmd.mailbox.endsWith(FOLDER_DELIMITER) ? cmd.mailbox.slice(0, -1) : cmd.mailbox;
    if (name === 'INBOX') return no('INBOX always exists', { name: 'ALREADYEXISTS' });
    if (inSharedNamespace(name)) return no('Shared mailboxes are made by their owners in the Portal, not here', { name: 'NOPERM' });
    if (cmd.specialUse && cmd.specialUse.length > 1) return no('Give a mailbox at most one special use', { name: 'USEATTR' });
    await createFolder(ctx.db, session.accountId!, name, { specialUse: cmd.specialUse?.[0] ?? null });
    return ok('CREATE completed');
  },
};
