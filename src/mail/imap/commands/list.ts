import { listFolders, FOLDER_DELIMITER, type Folder } from '../../store/index.ts';
import { list as listLine, lsub as lsubLine, mailboxStatus, type ListCommand, type ListEntry, type LsubCommand } from '../protocol/index.ts';
import { listMatcher, parentsOf } from '../server/mailbox-names.ts';
import type { Session } from '../server/session.ts';
import { statusValues } from '../server/status-values.ts';
import { SIGNED_IN, ok, type CommandSpec, type ImapContext } from '../server/types.ts';

type Node = { name: string; folder: Folder | null; subscribed: boolean };

/** Every folder plus the levels above them that exist only as parents (shown \Noselect / \NonExistent). */
function tree(folders: Folder[]): { nodes: Node[]; hasChildren: (n: string) => boolean; subscribedBelow: (n: string) => boolean } {
  const byName = new Map<string, Node>(folders.map((f) => [f.name, { name: f.name, folder: f, subscribed: f.subscribed }]));
  for (const f of folders) for (const p of parentsOf(f.name)) if (!byName.has(p)) byName.set(p, { name: p, folder: null, subscribed: false });
  const parents = new Set(folders.flatMap((f) => parentsOf(f.name)));
  const subParents = new Set(folders.filter((f) => f.subscribed).flatMap((f) => parentsOf(f.name)));
  return { nodes: [...byName.values()], hasChildren: (n) => parents.has(n), subscribedBelow: (n) => subParents.has(n) };
}

/**
 * LIST (RFC 3501 6.3.8) with LIST-EXTENDED (RFC 5258: selection SUBSCRIBED,
 * SPECIAL-USE, RECURSIVEMATCH; return CHILDREN, SUBSCRIBED, SPECIAL-USE),
 * LIST-STATUS (RFC 5819) and SPECIAL-USE attributes (RFC 6154).
 */
export const list: CommandSpec<ListCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    if (cmd.patterns.length === 1 && cmd.patterns[0] === '' && !cmd.extended) {
      session.send(listLine({ attributes: ['\\Noselect'], delimiter: FOLDER_DELIMITER, mailbox: '' }, session.names));
      return ok('LIST completed');
    }
    const folders = await listFolders(ctx.db, session.accountId!);
    const { nodes, hasChildren, subscribedBelow } = tree(folders);
    const matchers = cmd.patterns.map((p) => listMatcher(cmd.reference, p));
    const sel = new Set(cmd.selection);
    const ret = cmd.returnOptions;
    for (const node of nodes) {
      if (!matchers.some((m) => m(node.name))) continue;
      const attributes: string[] = [];
      const childInfo: string[] = [];
      if (sel.has('SUBSCRIBED') && !node.subscribed) {
        if (sel.has('RECURSIVEMATCH') && subscribedBelow(node.name)) childInfo.push('SUBSCRIBED');
        else continue;
      }
      if (sel.has('SPECIAL-USE') && !node.folder?.specialUse) continue;
      // IMAP4rev2 folds LIST-EXTENDED in, so its sessions always get \NonExistent (which implies \Noselect)
      if (!node.folder) attributes.push(cmd.extended || session.rev2 ? '\\NonExistent' : '\\Noselect');
      attributes.push(hasChildren(node.name) ? '\\HasChildren' : '\\HasNoChildren');
      if (node.subscribed && (ret.subscribed || sel.has('SUBSCRIBED'))) attributes.push('\\Subscribed');
      if (node.folder?.specialUse) attributes.push(node.folder.specialUse);
      const entry: ListEntry = { attributes, delimiter: FOLDER_DELIMITER, mailbox: node.name };
      if (childInfo.length) entry.childInfo = childInfo;
      session.send(listLine(entry, session.names));
      if (ret.status && node.folder) await sendStatus(session, ctx, node.folder, ret.status);
    }
    return ok('LIST completed');
  },
};

async function sendStatus(session: Session, ctx: ImapContext, folder: Folder, items: NonNullable<ListCommand['returnOptions']['status']>): Promise<void> {
  if (items.includes('HIGHESTMODSEQ')) session.condstore = true;
  session.send(mailboxStatus(folder.name, await statusValues(ctx.db, folder, items, ctx.options.maxMessageBytes), session.names));
}

/** LSUB (RFC 3501 6.3.9): subscribed folders; a parent of a subscribed folder shows as \Noselect when % hides the child. */
export const lsub: CommandSpec<LsubCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const folders = await listFolders(ctx.db, session.accountId!);
    const match = listMatcher(cmd.reference, cmd.pattern);
    const subscribed = new Set(folders.filter((f) => f.subscribed).map((f) => f.name));
    const sent = new Set<string>();
    for (const name of subscribed) {
      if (match(name)) {
        session.send(lsubLine({ attributes: [], delimiter: FOLDER_DELIMITER, mailbox: name }, session.names));
        sent.add(name);
      }
    }
    for (const name of subscribed) {
      for (const p of parentsOf(name)) {
        if (sent.has(p) || !match(p)) continue;
        sent.add(p);
        session.send(lsubLine({ attributes: ['\\Noselect'], delimiter: FOLDER_DELIMITER, mailbox: p }, session.names));
      }
    }
    return ok('LSUB completed');
  },
};
