import { getFolder, listUids, moveMessages, renameFolder, createFolder } from '../../store/index.ts';
import type { RenameCommand } from '../protocol/index.ts';
import { inSharedNamespace } from '../server/mailbox-names.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/**
 * RENAME (RFC 3501 6.3.5). Renaming INBOX moves its messages into a new
 * folder and leaves INBOX empty, as the RFC defines.
 */
export const rename: CommandSpec<RenameCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const accountId = session.accountId!;
    if (inSharedNamespace(cmd.to)) return no('Folders cannot be moved into the shared namespace', { name: 'NOPERM' });
    if (cmd.from === 'INBOX') {
      const inbox = (await getFolder(ctx.db, accountId, 'INBOX'))!;
      const target = await createFolder(ctx.db, accountId, cmd.to);
      await moveMessages(ctx.db, inbox.id, await listUids(ctx.db, inbox.id), target.id);
      return ok('RENAME completed');
    }
    await renameFolder(ctx.db, accountId, cmd.from, cmd.to);
    return ok('RENAME completed');
  },
};
