/**
 * Typed parsers for commands that act on messages in the selected mailbox,
 * each usable with or without the UID prefix.
 */
import { Args, atomText } from './args.ts';
import type {
  Command, ExpungeCommand, FetchCommand, SearchCommand, SearchReturnOption, SortCommand, SortCriterion,
  SortKey, StoreCommand, ThreadCommand,
} from './commands.ts';
import { ImapParseError } from './errors.ts';
import { parseFetchAttributes } from './fetch-attributes.ts';
import { parseFlagList } from './parse-mailbox-commands.ts';
import { charsetDecoder, parseSearchKeys } from './search-keys.ts';
import { describeValue } from './values.ts';

const SEARCH_RETURN: readonly SearchReturnOption[] = ['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE'];
const SORT_KEYS: readonly SortKey[] = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'];
const THREAD_ALGORITHMS = ['REFERENCES', 'ORDEREDSUBJECT'];

export function parseFetch(tag: string, uid: boolean, args: Args): FetchCommand {
  const sequence = args.sequenceSet();
  const { attributes, macro } = parseFetchAttributes(args.next('fetch attributes'), args.ctx);
  const cmd: FetchCommand = { tag, name: 'FETCH', uid, sequence, attributes };
  if (macro) cmd.macro = macro;
  if (args.remaining > 0) {
    const mods = args.sub(args.list('FETCH modifiers'));
    if (mods.remaining === 0) throw new ImapParseError('Empty FETCH modifier list');
    while (mods.remaining > 0) {
      const m = mods.atom('FETCH modifier').toUpperCase();
      if (m === 'CHANGEDSINCE') cmd.changedSince = mods.number64('CHANGEDSINCE mod-sequence', 1n);
      else if (m === 'VANISHED') cmd.vanished = true;
      else throw new ImapParseError(`Unknown FETCH modifier ${JSON.stringify(m.slice(0, 40))}`);
    }
    if (cmd.vanished && (!uid || cmd.changedSince === undefined)) {
      throw new ImapParseError('VANISHED needs UID FETCH with CHANGEDSINCE');
    }
  }
  args.end();
  return cmd;
}

export function parseStore(tag: string, uid: boolean, args: Args): StoreCommand {
  const sequence = args.sequenceSet();
  let unchangedSince: bigint | undefined;
  if (args.peek()?.type === 'list') {
    const mods = args.sub(args.list('STORE modifiers'));
    if (mods.remaining === 0) throw new ImapParseError('Empty STORE modifier list');
    while (mods.remaining > 0) {
      const m = mods.atom('STORE modifier').toUpperCase();
      if (m !== 'UNCHANGEDSINCE') throw new ImapParseError(`Unknown STORE modifier ${JSON.stringify(m.slice(0, 40))}`);
      unchangedSince = mods.number64('UNCHANGEDSINCE mod-sequence');
    }
  }
  const item = args.atom('store item (FLAGS, +FLAGS or -FLAGS)').toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!m) throw new ImapParseError(`Bad store item ${JSON.stringify(item.slice(0, 40))}: expected FLAGS, +FLAGS or -FLAGS`);
  let flags: string[];
  if (args.peek()?.type === 'list') {
    flags = parseFlagList(args.list('flag list'));
    args.end();
  } else {
    if (args.remaining === 0) throw new ImapParseError('Missing argument: flags');
    flags = parseFlagList(args.items.slice(args.items.length - args.remaining));
  }
  const cmd: StoreCommand = {
    tag, name: 'STORE', uid, sequence,
    operation: m[1] === '+' ? 'add' : m[1] === '-' ? 'remove' : 'set',
    silent: m[2] !== undefined,
    flags,
  };
  if (unchangedSince !== undefined) cmd.unchangedSince = unchangedSince;
  return cmd;
}

export function parseCopyMove(tag: string, name: 'COPY' | 'MOVE', uid: boolean, args: Args): Command {
  const sequence = args.sequenceSet();
  const mailbox = args.mailbox('destination mailbox');
  args.end();
  return { tag, name, uid, sequence, mailbox };
}

export function parseExpunge(tag: string, uid: boolean, args: Args): ExpungeCommand {
  if (!uid) {
    args.end();
    return { tag, name: 'EXPUNGE', uid };
  }
  const sequence = args.sequenceSet('UID set');
  args.end();
  return { tag, name: 'EXPUNGE', uid, sequence };
}

export function parseSearch(tag: string, uid: boolean, args: Args): SearchCommand {
  const cmd: SearchCommand = { tag, name: 'SEARCH', uid, criteria: [] };
  if (args.peekAtom() === 'RETURN') {
    args.next('RETURN');
    cmd.returnOptions = args.list('RETURN options').map((v) => {
      const t = atomText(v)?.toUpperCase() as SearchReturnOption | undefined;
      if (!t || !SEARCH_RETURN.includes(t)) throw new ImapParseError(`Unknown SEARCH return option ${describeValue(v)}`);
      return t;
    });
  }
  if (args.peekAtom() === 'CHARSET') {
    args.next('CHARSET');
    cmd.charset = args.astring('charset name').toUpperCase();
  }
  cmd.criteria = parseSearchKeys(args, charsetDecoder(cmd.charset));
  return cmd;
}

export function parseSort(tag: string, uid: boolean, args: Args): SortCommand {
  const list = args.list('sort criteria');
  if (list.length === 0) throw new ImapParseError('Empty sort criteria list');
  const criteria: SortCriterion[] = [];
  let reverse = false;
  for (const v of list) {
    const t = atomText(v)?.toUpperCase();
    if (t === 'REVERSE') {
      if (reverse) throw new ImapParseError('REVERSE given twice');
      reverse = true;
      continue;
    }
    if (!t || !SORT_KEYS.includes(t as SortKey)) throw new ImapParseError(`Unknown sort criterion ${describeValue(v)}`);
    criteria.push({ key: t as SortKey, reverse });
    reverse = false;
  }
  if (reverse) throw new ImapParseError('REVERSE must be followed by a sort key');
  const charset = args.astring('charset name').toUpperCase();
  const search = parseSearchKeys(args, charsetDecoder(charset));
  return { tag, name: 'SORT', uid, criteria, charset, search };
}

export function parseThread(tag: string, uid: boolean, args: Args): ThreadCommand {
  const algorithm = args.atom('thread algorithm').toUpperCase();
  if (!THREAD_ALGORITHMS.includes(algorithm)) {
    throw new ImapParseError(`Unsupported thread algorithm ${JSON.stringify(algorithm.slice(0, 40))}`);
  }
  const charset = args.astring('charset name').toUpperCase();
  const search = parseSearchKeys(args, charsetDecoder(charset));
  return { tag, name: 'THREAD', uid, algorithm, charset, search };
}
