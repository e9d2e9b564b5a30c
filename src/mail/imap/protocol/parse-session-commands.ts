/**
 * Typed parsers for commands that do not touch messages: connection state,
 * authentication, ENABLE, ID and QUOTA.
 */
import { Args } from './args.ts';
import type { AuthenticateCommand, Command, EnableCommand, IdCommand, SetQuotaCommand, SimpleCommand } from './commands.ts';
import { ImapParseError } from './errors.ts';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Strict(text: string, what: string): Buffer {
  if (text === '=') return Buffer.alloc(0);
  if (!BASE64_RE.test(text)) throw new ImapParseError(`${what} is not valid base64`);
  return Buffer.from(text, 'base64');
}

/** A client's reply line during AUTHENTICATE: base64 data, or `*` to cancel (RFC 3501 6.2.2). */
export function parseSaslResponse(line: string): { cancelled: true } | { cancelled: false; data: Buffer } {
  if (line === '*') return { cancelled: true };
  // an empty line is an empty response; "=" is the SASL-IR spelling of the same thing
  if (line === '') return { cancelled: false, data: Buffer.alloc(0) };
  return { cancelled: false, data: decodeBase64Strict(line, 'SASL response') };
}

/** True for the line that ends IDLE. */
export function isIdleDone(line: string): boolean {
  return line.toUpperCase() === 'DONE';
}

export function parseSimple(tag: string, name: SimpleCommand['name'], args: Args): SimpleCommand {
  args.end();
  return { tag, name };
}

export function parseAuthenticate(tag: string, args: Args): AuthenticateCommand {
  const mechanism = args.atom('SASL mechanism').toUpperCase();
  if (!/^[A-Z0-9\-_]{1,20}$/.test(mechanism)) throw new ImapParseError(`Invalid SASL mechanism name ${JSON.stringify(mechanism.slice(0, 40))}`);
  const cmd: AuthenticateCommand = { tag, name: 'AUTHENTICATE', mechanism };
  if (args.remaining > 0) cmd.initialResponse = decodeBase64Strict(args.atom('initial response'), 'Initial response');
  args.end();
  return cmd;
}

export function parseLogin(tag: string, args: Args): Command {
  const username = args.astring('user name');
  const password = args.astring('password');
  args.end();
  return { tag, name: 'LOGIN', username, password };
}

export function parseEnable(tag: string, args: Args): EnableCommand {
  const capabilities: string[] = [args.atom('capability name').toUpperCase()];
  while (args.remaining > 0) capabilities.push(args.atom('capability name').toUpperCase());
  return { tag, name: 'ENABLE', capabilities };
}

export function parseId(tag: string, args: Args): IdCommand {
  const v = args.next('ID parameter list or NIL');
  args.end();
  if (v.type === 'nil') return { tag, name: 'ID', parameters: null };
  if (v.type !== 'list') throw new ImapParseError('ID takes a parenthesised list or NIL');
  if (v.items.length % 2 !== 0) throw new ImapParseError('ID parameter list must hold field/value pairs');
  const list = args.sub(v.items);
  const parameters: Array<{ key: string; value: string | null }> = [];
  while (list.remaining > 0) {
    const key = list.astring('ID field name');
    parameters.push({ key, value: list.nstring('ID field value') });
  }
  return { tag, name: 'ID', parameters };
}

export function parseGetQuota(tag: string, args: Args): Command {
  const root = args.astring('quota root');
  args.end();
  return { tag, name: 'GETQUOTA', root };
}

export function parseGetQuotaRoot(tag: string, args: Args): Command {
  const mailbox = args.mailbox();
  args.end();
  return { tag, name: 'GETQUOTAROOT', mailbox };
}

export function parseSetQuota(tag: string, args: Args): SetQuotaCommand {
  const root = args.astring('quota root');
  const list = args.sub(args.list('resource limits'));
  args.end();
  if (list.remaining % 2 !== 0) throw new ImapParseError('SETQUOTA limits must be resource/limit pairs');
  const limits: SetQuotaCommand['limits'] = [];
  while (list.remaining > 0) {
    const resource = list.atom('quota resource name').toUpperCase();
    limits.push({ resource, limit: list.number64('quota limit') });
  }
  return { tag, name: 'SETQUOTA', root, limits };
}
