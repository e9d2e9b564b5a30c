import { messageFacts, readHeadersMany } from '../../store/index.ts';
import { thread as threadLine, type ThreadCommand } from '../protocol/index.ts';
import { searchMailbox } from '../server/search-eval.ts';
import { threadByOrderedSubject, threadByReferences } from '../server/thread-references.ts';
import { SELECTED, no, ok, type CommandSpec } from '../server/types.ts';

function referencesHeader(head: Buffer | undefined): string | null {
  if (!head) return null;
  const text = head.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^references:(.*)$/im.exec(text);
  return m ? m[1] : null;
}

/** THREAD and UID THREAD (RFC 5256) with the REFERENCES and ORDEREDSUBJECT algorithms. */
export const thread: CommandSpec<ThreadCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    if (cmd.algorithm !== 'REFERENCES' && cmd.algorithm !== 'ORDEREDSUBJECT') {
      return no(`The ${cmd.algorithm} algorithm is not supported; use REFERENCES or ORDEREDSUBJECT`, { name: 'CANNOT' });
    }
    const { uids } = await searchMailbox(ctx.db, sel, cmd.search, session.savedUids);
    const facts = await messageFacts(ctx.db, sel.folder.id, uids);
    const number = (m: { uid: number }) => (cmd.uid ? m.uid : sel.seqOf(m.uid));
    let roots;
    if (cmd.algorithm === 'REFERENCES') {
      const heads = await readHeadersMany(ctx.db, facts.map((m) => m.blobSha256));
      const refs = new Map(facts.map((m) => [m.uid, referencesHeader(heads.get(m.blobSha256))]));
      roots = threadByReferences(facts, refs, number);
    } else {
      roots = threadByOrderedSubject(facts, number);
    }
    session.send(threadLine(roots));
    return ok('THREAD completed');
  },
};
