import { appendMessage, getFolder } from '../../store/index.ts';
import { sequenceSetFromNumbers, type AppendCommand } from '../protocol/index.ts';
import { inSharedNamespace } from '../server/mailbox-names.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/**
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND's several messages, UIDPLUS's
 * APPENDUID and the account's quota. Literals beyond the size limit were
 * already refused by the reader before any byte was sent.
 */
export const append: CommandSpec<AppendCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const folder = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!folder) {
      if (inSharedNamespace(cmd.mailbox)) return no(`There is no shared mailbox called ${cmd.mailbox}`, { name: 'NONEXISTENT' });
      return no(`There is no mailbox called ${cmd.mailbox}; create it first`, { name: 'TRYCREATE' });
    }
    for (const m of cmd.messages) {
      if (m.message.length === 0) return no('An empty message cannot be appended');
      if (m.message.length > ctx.options.maxMessageBytes) return no(`Messages are limited to ${ctx.options.maxMessageBytes} bytes`, { name: 'TOOBIG' });
    }
    const uids: number[] = [];
    for (const m of cmd.messages) {
      const copy = await appendMessage(ctx.db, folder, m.message, { flags: m.flags, ...(m.date ? { internalDate: m.date.date } : {}) });
      uids.push(copy.uid);
    }
    const set = uids.length === 1 ? uids[0] : sequenceSetFromNumbers(uids);
    return { ...ok('APPEND completed', { name: 'APPENDUID', uidValidity: folder.uidValidity, uids: set }), changedFolder: session.selected?.folder.id === folder.id };
  },
};
