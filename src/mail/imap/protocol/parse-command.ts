/**
 * From a framed command to the typed AST: tokenise, then hand the arguments to
 * the parser for that command. Errors raised by argument parsers gain the tag
 * and command name here, so every error can be answered as `TAG BAD reason`.
 */
import { Args, type ParseContext } from './args.ts';
import type { Command } from './commands.ts';
import { ImapParseError } from './errors.ts';
import {
  parseAppend, parseCreate, parseList, parseLsub, parseOneMailbox, parseRename, parseSelect, parseStatus,
} from './parse-mailbox-commands.ts';
import {
  parseCopyMove, parseExpunge, parseFetch, parseSearch, parseSort, parseStore, parseThread,
} from './parse-message-commands.ts';
import {
  parseAuthenticate, parseEnable, parseGetQuota, parseGetQuotaRoot, parseId, parseLogin, parseSetQuota, parseSimple,
} from './parse-session-commands.ts';
import { tokenizeFrame } from './tokenizer.ts';
import type { CommandFrame } from './values.ts';

type Parser = (tag: string, args: Args) => Command;
type UidParser = (tag: string, uid: boolean, args: Args) => Command;

const UID_COMMANDS: Record<string, UidParser> = {
  FETCH: parseFetch,
  STORE: parseStore,
  COPY: (t, u, a) => parseCopyMove(t, 'COPY', u, a),
  MOVE: (t, u, a) => parseCopyMove(t, 'MOVE', u, a),
  SEARCH: parseSearch,
  SORT: parseSort,
  THREAD: parseThread,
  EXPUNGE: parseExpunge,
};

const COMMANDS: Record<string, Parser> = {
  CAPABILITY: (t, a) => parseSimple(t, 'CAPABILITY', a),
  NOOP: (t, a) => parseSimple(t, 'NOOP', a),
  LOGOUT: (t, a) => parseSimple(t, 'LOGOUT', a),
  STARTTLS: (t, a) => parseSimple(t, 'STARTTLS', a),
  CHECK: (t, a) => parseSimple(t, 'CHECK', a),
  CLOSE: (t, a) => parseSimple(t, 'CLOSE', a),
  UNSELECT: (t, a) => parseSimple(t, 'UNSELECT', a),
  IDLE: (t, a) => parseSimple(t, 'IDLE', a),
  NAMESPACE: (t, a) => parseSimple(t, 'NAMESPACE', a),
  AUTHENTICATE: parseAuthenticate,
  LOGIN: parseLogin,
  ENABLE: parseEnable,
  ID: parseId,
  GETQUOTA: parseGetQuota,
  GETQUOTAROOT: parseGetQuotaRoot,
  SETQUOTA: parseSetQuota,
  SELECT: (t, a) => parseSelect(t, 'SELECT', a),
  EXAMINE: (t, a) => parseSelect(t, 'EXAMINE', a),
  CREATE: parseCreate,
  DELETE: (t, a) => parseOneMailbox(t, 'DELETE', a),
  SUBSCRIBE: (t, a) => parseOneMailbox(t, 'SUBSCRIBE', a),
  UNSUBSCRIBE: (t, a) => parseOneMailbox(t, 'UNSUBSCRIBE', a),
  RENAME: parseRename,
  LIST: parseList,
  LSUB: parseLsub,
  STATUS: parseStatus,
  APPEND: parseAppend,
};

/** Command names this layer understands (UID subcommands not included). */
export const KNOWN_COMMANDS: readonly string[] = [...Object.keys(COMMANDS), ...Object.keys(UID_COMMANDS), 'UID'];

function dispatch(tag: string, name: string, args: Args): Command {
  if (name === 'UID') {
    const sub = args.atom('UID subcommand').toUpperCase();
    const p = Object.hasOwn(UID_COMMANDS, sub) ? UID_COMMANDS[sub] : undefined;
    if (!p) throw new ImapParseError(`UID cannot be used with ${JSON.stringify(sub.slice(0, 40))}`, { command: 'UID' });
    return wrap(() => p(tag, true, args), tag, sub);
  }
  const uidable = Object.hasOwn(UID_COMMANDS, name) ? UID_COMMANDS[name] : undefined;
  if (uidable) return uidable(tag, false, args);
  const p = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!p) throw new ImapParseError(`Unknown command ${JSON.stringify(name.slice(0, 40))}`);
  return p(tag, args);
}

function wrap<T>(fn: () => T, tag: string, command: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ImapParseError) throw e.withContext(tag, command);
    throw e;
  }
}

export function parseCommandFrame(frame: CommandFrame, ctx: ParseContext = { utf8: false }): Command {
  const { tag, name, args } = tokenizeFrame(frame);
  return wrap(() => dispatch(tag, name, new Args(args, ctx)), tag, name);
}
