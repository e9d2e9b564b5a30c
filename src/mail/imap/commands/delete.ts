import { deleteFolder, listFolders, FOLDER_DELIMITER } from '../../store/index.ts';
import type { MailboxCommand } from '../protocol/index.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/**
 * DELETE (RFC 3501 6.3.4). A folder with folders below it is refused
 * ([HASCHILDREN]) rather than turned into a \Noselect shell.
 */
export const del: CommandSpec<MailboxCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const folders = await listFolders(ctx.db, session.accountId!);
    const target = folders.find((f) => f.name === cmd.mailbox);
    if (!target) return no(`There is no mailbox called ${cmd.mailbox}`, { name: 'NONEXISTENT' });
    if (folders.some((f) => f.name.startsWith(cmd.mailbox + FOLDER_DELIMITER))) {
      return no(`${cmd.mailbox} has mailboxes inside it: delete those first`, { name: 'HASCHILDREN' });
    }
    if (session.selected?.folder.id === target.id) session.deselect();
    await deleteFolder(ctx.db, session.accountId!, cmd.mailbox);
    return ok('DELETE completed');
  },
};
