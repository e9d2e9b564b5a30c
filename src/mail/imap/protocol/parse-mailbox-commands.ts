/**
 * Typed parsers for commands that name mailboxes: SELECT/EXAMINE, CREATE,
 * DELETE, RENAME, (UN)SUBSCRIBE, LIST (with LIST-EXTENDED and LIST-STATUS),
 * LSUB, STATUS and APPEND (with MULTIAPPEND).
 */
import { Args, atomText } from './args.ts';
import type {
  AppendCommand, AppendMessage, Command, CreateCommand, ListCommand, ListReturnOptions,
  ListSelectionOption, SelectCommand, StatusItem,
} from './commands.ts';
import { parseDateTime } from './datetime.ts';
import { ImapParseError } from './errors.ts';
import { parseSpecialUse, parseStoreFlag } from './flags.ts';
import { describeValue, type ImapValue } from './values.ts';

export const STATUS_ITEMS: readonly StatusItem[] = [
  'MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'APPENDLIMIT',
];
const SELECTION_OPTIONS: readonly ListSelectionOption[] = ['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE'];

function flagAtom(v: ImapValue): string {
  const t = v.type === 'string' || v.type === 'literal' || v.type === 'list' ? undefined : atomText(v);
  if (t === undefined) throw new ImapParseError(`Expected a flag, got ${describeValue(v)}`);
  return t;
}

export function parseFlagList(items: ImapValue[]): string[] {
  return items.map((v) => parseStoreFlag(flagAtom(v)));
}

export function parseSelect(tag: string, name: 'SELECT' | 'EXAMINE', args: Args): SelectCommand {
  const mailbox = args.mailbox();
  let condstore = false;
  if (args.remaining > 0) {
    const params = args.list(`${name} parameters`);
    if (params.length === 0) throw new ImapParseError(`Empty ${name} parameter list`);
    for (const p of params) {
      const t = atomText(p)?.toUpperCase();
      if (t !== 'CONDSTORE') throw new ImapParseError(`Unknown ${name} parameter ${describeValue(p)}`);
      condstore = true;
    }
  }
  args.end();
  return { tag, name, mailbox, condstore };
}

export function parseCreate(tag: string, args: Args): CreateCommand {
  const mailbox = args.mailbox();
  const cmd: CreateCommand = { tag, name: 'CREATE', mailbox };
  if (args.remaining > 0) {
    const params = args.sub(args.list('CREATE parameters'));
    if (params.remaining === 0) throw new ImapParseError('Empty CREATE parameter list');
    while (params.remaining > 0) {
      const p = params.atom('CREATE parameter').toUpperCase();
      if (p !== 'USE') throw new ImapParseError(`Unknown CREATE parameter ${JSON.stringify(p.slice(0, 40))}`);
      cmd.specialUse = params.list('special-use attributes').map((v) => parseSpecialUse(flagAtom(v)));
    }
  }
  args.end();
  return cmd;
}

export function parseOneMailbox(tag: string, name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE', args: Args): Command {
  const mailbox = args.mailbox();
  args.end();
  return { tag, name, mailbox };
}

export function parseRename(tag: string, args: Args): Command {
  const from = args.mailbox('existing mailbox name');
  const to = args.mailbox('new mailbox name');
  args.end();
  return { tag, name: 'RENAME', from, to };
}

/** list-mailbox: like astring, but `%` and `*` are allowed unquoted. */
function listPattern(args: Args, v: ImapValue): string {
  if (v.type === 'list') throw new ImapParseError('Expected a mailbox pattern, got parenthesised list');
  const sub = args.sub([v]);
  return args.decodeMailbox(sub.astring('mailbox pattern'));
}

function parseStatusItems(items: ImapValue[]): StatusItem[] {
  if (items.length === 0) throw new ImapParseError('Empty STATUS item list');
  return items.map((v) => {
    const t = atomText(v)?.toUpperCase();
    if (!t || !STATUS_ITEMS.includes(t as StatusItem)) throw new ImapParseError(`Unknown STATUS item ${describeValue(v)}`);
    return t as StatusItem;
  });
}

function parseReturnOptions(args: Args): ListReturnOptions {
  const opts: ListReturnOptions = {};
  const list = args.sub(args.list('LIST return options'));
  while (list.remaining > 0) {
    const o = list.atom('LIST return option').toUpperCase();
    if (o === 'SUBSCRIBED') opts.subscribed = true;
    else if (o === 'CHILDREN') opts.children = true;
    else if (o === 'SPECIAL-USE') opts.specialUse = true;
    else if (o === 'STATUS') opts.status = parseStatusItems(list.list('STATUS items'));
    else throw new ImapParseError(`Unknown LIST return option ${JSON.stringify(o.slice(0, 40))}`);
  }
  return opts;
}

export function parseList(tag: string, args: Args): ListCommand {
  let extended = false;
  const selection: ListSelectionOption[] = [];
  if (args.peek()?.type === 'list') {
    extended = true;
    for (const v of args.list('selection options')) {
      const t = atomText(v)?.toUpperCase() as ListSelectionOption | undefined;
      if (!t || !SELECTION_OPTIONS.includes(t)) throw new ImapParseError(`Unknown LIST selection option ${describeValue(v)}`);
      selection.push(t);
    }
    if (selection.includes('RECURSIVEMATCH') && !selection.some((s) => s !== 'RECURSIVEMATCH' && s !== 'REMOTE')) {
      throw new ImapParseError('RECURSIVEMATCH needs another selection option');
    }
  }
  const reference = args.mailbox('reference name');
  const p = args.next('mailbox pattern');
  let patterns: string[];
  if (p.type === 'list') {
    extended = true;
    if (p.items.length === 0) throw new ImapParseError('Empty mailbox pattern list');
    patterns = p.items.map((v) => listPattern(args, v));
  } else {
    patterns = [listPattern(args, p)];
  }
  let returnOptions: ListReturnOptions = {};
  if (args.remaining > 0) {
    if (args.peekAtom() !== 'RETURN') throw new ImapParseError(`Unexpected extra argument: ${describeValue(args.next(''))}`);
    args.next('RETURN');
    extended = true;
    returnOptions = parseReturnOptions(args);
  }
  args.end();
  return { tag, name: 'LIST', reference, patterns, selection, returnOptions, extended };
}

export function parseLsub(tag: string, args: Args): Command {
  const reference = args.mailbox('reference name');
  const pattern = listPattern(args, args.next('mailbox pattern'));
  args.end();
  return { tag, name: 'LSUB', reference, pattern };
}

export function parseStatus(tag: string, args: Args): Command {
  const mailbox = args.mailbox();
  const items = parseStatusItems(args.list('STATUS items'));
  args.end();
  return { tag, name: 'STATUS', mailbox, items };
}

export function parseAppend(tag: string, args: Args): AppendCommand {
  const mailbox = args.mailbox();
  const messages: AppendMessage[] = [];
  do {
    let flags: string[] = [];
    if (args.peek()?.type === 'list') flags = parseFlagList(args.list('flag list'));
    const msg: Partial<AppendMessage> = { flags };
    const maybeDate = args.peek();
    // a string is the date only when something follows it; a final string is a misplaced message
    if (maybeDate?.type === 'string' && args.remaining > 1) {
      args.next('date-time');
      msg.date = parseDateTime(maybeDate.value);
    }
    const utf8 = args.peekAtom() === 'UTF8';
    if (utf8) {
      args.next('UTF8');
      if (!args.ctx.utf8) throw new ImapParseError('APPEND UTF8 (...) needs ENABLE UTF8=ACCEPT first');
    }
    const data = utf8 ? wrappedLiteral(args.list('UTF8 message data')) : args.next('message literal');
    if (data.type !== 'literal') throw new ImapParseError(`APPEND message must be a literal, got ${describeValue(data)}`);
    // CHAR8 excludes NUL: only a literal8 may carry it (RFC 3516 4.4, RFC 9051 4.3.1)
    if (!data.binary && data.value.includes(0)) {
      throw new ImapParseError('APPEND message holds a NUL byte; send binary content as a literal8 (~{N})');
    }
    messages.push({ flags, ...(msg.date ? { date: msg.date } : {}), message: data.value, binary: data.binary, ...(utf8 ? { utf8: true as const } : {}) });
  } while (args.remaining > 0);
  return { tag, name: 'APPEND', mailbox, messages };
}

/** RFC 6855 4: `UTF8 (~{N}...)` holds exactly one literal; a plain literal is taken too, as clients send it. */
function wrappedLiteral(items: ImapValue[]): ImapValue {
  if (items.length !== 1) throw new ImapParseError('APPEND UTF8 (...) must hold exactly one literal');
  return items[0];
}
