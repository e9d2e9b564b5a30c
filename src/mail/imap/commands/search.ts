import { esearch, search as searchLine, searchUsesSaved, sequenceSetFromNumbers, type SearchCommand, type SearchKey } from '../protocol/index.ts';
import { searchMailbox } from '../server/search-eval.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';

export function usesModseq(keys: SearchKey[]): boolean {
  return keys.some((k) =>
    k.key === 'MODSEQ' || (k.key === 'NOT' && usesModseq([k.operand])) || (k.key === 'OR' && usesModseq([k.left, k.right])) || (k.key === 'AND' && usesModseq(k.operands)));
}

/**
 * SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH's RETURN options
 * (RFC 4731), SEARCHRES's SAVE and `$` (RFC 5182) and CONDSTORE's MODSEQ.
 */
export const search: CommandSpec<SearchCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    const modseq = usesModseq(cmd.criteria);
    if (modseq) session.condstore = true;
    const saved = searchUsesSaved(cmd.criteria) ? session.savedUids : [];
    const { uids, highestModseq } = await searchMailbox(ctx.db, sel, cmd.criteria, saved);
    const numbers = cmd.uid ? uids : uids.map((u) => sel.seqOf(u));
    // IMAP4rev2 has no SEARCH response: a plain SEARCH is answered as RETURN (ALL) is (RFC 9051 6.4.4)
    const opts = cmd.returnOptions ?? (session.rev2 ? [] : undefined);
    if (!opts) {
      session.send(searchLine(numbers, modseq ? highestModseq : undefined));
      return ok('SEARCH completed');
    }
    const want = new Set(opts.length ? opts : ['ALL']);
    if (want.has('SAVE')) {
      const onlyMinMax = (want.has('MIN') || want.has('MAX')) && !want.has('ALL') && !want.has('COUNT');
      session.savedUids = onlyMinMax && uids.length
        ? [...new Set([want.has('MIN') ? uids[0] : uids[uids.length - 1], want.has('MAX') ? uids[uids.length - 1] : uids[0]])].sort((a, b) => a - b)
        : uids;
      if (want.size === 1) return ok('SEARCH completed, result saved');
    }
    session.send(esearch({
      tag: cmd.tag,
      uid: cmd.uid,
      ...(want.has('MIN') && numbers.length ? { min: numbers[0] } : {}),
      ...(want.has('MAX') && numbers.length ? { max: numbers[numbers.length - 1] } : {}),
      ...(want.has('ALL') && numbers.length ? { all: sequenceSetFromNumbers(numbers) } : {}),
      ...(want.has('COUNT') ? { count: numbers.length } : {}),
      ...(modseq && numbers.length ? { modseq: highestModseq } : {}),
    }));
    return ok('SEARCH completed');
  },
};
