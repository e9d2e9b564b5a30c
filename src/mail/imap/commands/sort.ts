import { messageFacts } from '../../store/index.ts';
import { sort as sortLine, type SortCommand } from '../protocol/index.ts';
import { searchMailbox } from '../server/search-eval.ts';
import { sortMessages } from '../server/sort-keys.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';
import { usesModseq } from './search.ts';

/** SORT and UID SORT (RFC 5256, RFC 5957): search, then order by the stored envelope facts. */
export const sort: CommandSpec<SortCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    const modseq = usesModseq(cmd.search);
    if (modseq) session.condstore = true;
    const { uids, highestModseq } = await searchMailbox(ctx.db, sel, cmd.search, session.savedUids);
    const sorted = sortMessages(await messageFacts(ctx.db, sel.folder.id, uids), cmd.criteria);
    session.send(sortLine(sorted.map((m) => (cmd.uid ? m.uid : sel.seqOf(m.uid))), modseq ? highestModseq : undefined));
    return ok('SORT completed');
  },
};
