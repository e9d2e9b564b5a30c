import { exists, flags, list, recent, untaggedStatus, type SelectCommand } from '../protocol/index.ts';
import { FOLDER_DELIMITER, getFolder } from '../../store/index.ts';
import { SelectedMailbox } from '../server/selected-mailbox.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

const SYSTEM = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];

/**
 * SELECT and EXAMINE (RFC 3501 6.3.1-2, CONDSTORE): open a mailbox and tell
 * the client its size, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ. A failed SELECT
 * leaves no mailbox selected, as the RFC asks. SELECT claims the messages
 * that arrived since any session last selected the mailbox as \Recent (RFC
 * 3501 2.3.2); EXAMINE shows them without claiming; IMAP4rev2 drops RECENT.
 */
export const select: CommandSpec<SelectCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    // RFC 9051 6.3.2: closing the selected mailbox by selecting another is announced in rev2
    if (session.selected && session.rev2) session.send(untaggedStatus('OK', 'Previous mailbox closed', { name: 'CLOSED' }));
    session.deselect();
    if (cmd.condstore) session.condstore = true;
    const folder = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!folder) return no(`There is no mailbox called ${cmd.mailbox}`, { name: 'NONEXISTENT' });
    const readOnly = cmd.name === 'EXAMINE';
    const sel = await SelectedMailbox.open(ctx.db, folder, readOnly, ctx.hub, ctx.uidLists);
    session.selected = sel;
    session.state = 'selected';
    session.send(flags(SYSTEM));
    session.send(untaggedStatus('OK', readOnly ? 'No permanent flags in a read-only mailbox' : 'Flags and keywords can be kept', {
      name: 'PERMANENTFLAGS', flags: readOnly ? [] : [...SYSTEM, '\\*'],
    }));
    session.send(exists(sel.exists));
    if (session.rev2) session.send(list({ attributes: folder.specialUse ? [folder.specialUse] : [], delimiter: FOLDER_DELIMITER, mailbox: folder.name }, session.names));
    if (!session.rev2) session.send(recent(sel.recentCount));
    session.send(untaggedStatus('OK', 'UIDs valid', { name: 'UIDVALIDITY', value: folder.uidValidity }));
    session.send(untaggedStatus('OK', 'Predicted next UID', { name: 'UIDNEXT', value: folder.uidNext }));
    session.send(untaggedStatus('OK', 'Highest', { name: 'HIGHESTMODSEQ', value: folder.highestModseq }));
    return ok(`${cmd.name} completed`, { name: readOnly ? 'READ-ONLY' : 'READ-WRITE' });
  },
};
