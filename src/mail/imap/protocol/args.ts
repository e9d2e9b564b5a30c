/**
 * A cursor over a command's generic arguments with the conversions every typed
 * parser needs. Each getter names what it expected, so errors read like
 * "Missing argument: mailbox name" rather than "unexpected end".
 */
import { TextDecoder } from 'node:util';
import { ImapParseError } from './errors.ts';
import { decodeMailboxName } from './mutf7.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';
import { describeValue, type ImapValue } from './values.ts';

export interface ParseContext {
  /** Mailbox names arrive as UTF-8 (UTF8=ACCEPT enabled, or IMAP4rev2). */
  utf8: boolean;
}

const MAX_NUMBER64 = (1n << 63n) - 1n;

/** The text of anything that was written as a bare atom. */
export function atomText(v: ImapValue): string | undefined {
  switch (v.type) {
    case 'atom':
      return v.section ? undefined : v.value;
    case 'number':
    case 'sequence':
      return v.text;
    case 'nil':
      return 'NIL';
    default:
      return undefined;
  }
}

export class Args {
  private i = 0;

  constructor(
    readonly items: ImapValue[],
    readonly ctx: ParseContext,
  ) {}

  get remaining(): number {
    return this.items.length - this.i;
  }

  peek(): ImapValue | undefined {
    return this.items[this.i];
  }

  /** Upper-cased atom text of the next argument without consuming it. */
  peekAtom(): string | undefined {
    const v = this.peek();
    if (!v || v.type === 'string' || v.type === 'literal' || v.type === 'list') return undefined;
    return atomText(v)?.toUpperCase();
  }

  next(what: string): ImapValue {
    const v = this.items[this.i];
    if (!v) throw new ImapParseError(`Missing argument: ${what}`);
    this.i++;
    return v;
  }

  end(): void {
    const v = this.items[this.i];
    if (v) throw new ImapParseError(`Unexpected extra argument: ${describeValue(v)}`);
  }

  atom(what: string): string {
    const v = this.next(what);
    const t = v.type === 'string' || v.type === 'literal' ? undefined : atomText(v);
    if (t === undefined) throw new ImapParseError(`Expected ${what}, got ${describeValue(v)}`);
    return t;
  }

  /** astring / string: atoms, quoted strings and literals all give text. */
  astring(what: string): string {
    return valueToString(this.next(what), what);
  }

  nstring(what: string): string | null {
    const v = this.next(what);
    return v.type === 'nil' ? null : valueToString(v, what);
  }

  mailbox(what = 'mailbox name'): string {
    return this.decodeMailbox(this.astring(what));
  }

  decodeMailbox(wire: string): string {
    const name = this.ctx.utf8 ? wire : decodeMailboxName(wire);
    return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
  }

  number(what: string, min = 0, max = 4294967295): number {
    const v = this.next(what);
    if (v.type !== 'number') throw new ImapParseError(`Expected ${what} (a number), got ${describeValue(v)}`);
    if (v.text.length > 16 || v.value < min || v.value > max) {
      throw new ImapParseError(`${capitalise(what)} ${v.text.slice(0, 20)} is out of range`);
    }
    return v.value;
  }

  /** mod-sequence values and quota limits are 63-bit, beyond a JS number. */
  number64(what: string, min = 0n): bigint {
    const v = this.next(what);
    if (v.type !== 'number') throw new ImapParseError(`Expected ${what} (a number), got ${describeValue(v)}`);
    const n = v.text.length > 19 ? MAX_NUMBER64 + 1n : BigInt(v.text);
    if (n < min || n > MAX_NUMBER64) throw new ImapParseError(`${capitalise(what)} ${v.text.slice(0, 20)} is out of range`);
    return n;
  }

  sequenceSet(what = 'sequence set'): SequenceSet {
    const v = this.next(what);
    if (v.type === 'sequence') return v.value;
    const t = v.type === 'number' || v.type === 'atom' ? atomText(v) : undefined;
    if (t === undefined) throw new ImapParseError(`Expected ${what}, got ${describeValue(v)}`);
    return parseSequenceSet(t);
  }

  list(what: string): ImapValue[] {
    const v = this.next(what);
    if (v.type !== 'list') throw new ImapParseError(`Expected ${what} in parentheses, got ${describeValue(v)}`);
    return v.items;
  }

  sub(items: ImapValue[]): Args {
    return new Args(items, this.ctx);
  }
}

export function valueToString(v: ImapValue, what: string): string {
  if (v.type === 'string') return v.value;
  if (v.type === 'literal') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(v.value);
    } catch {
      throw new ImapParseError(`${capitalise(what)} is not valid UTF-8`);
    }
  }
  const t = v.type === 'list' ? undefined : atomText(v);
  if (t === undefined) throw new ImapParseError(`Expected ${what}, got ${describeValue(v)}`);
  return t;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
