/**
 * Building blocks shared by the response and command writers: choosing between
 * atom, quoted string and literal so that what we write always parses back.
 */
import { TextDecoder } from 'node:util';
import { encodeMailboxName } from './mutf7.ts';
import { isAtom } from './flags.ts';

export interface WireOptions {
  /** The peer accepts UTF-8 in quoted strings and mailbox names (UTF8=ACCEPT / IMAP4rev2). */
  utf8?: boolean;
  /** Use `{N+}` for literals (commands from a client that knows the server has LITERAL+). */
  nonSyncLiterals?: boolean;
  /** Strings longer than this many bytes are sent as literals. */
  maxQuoted?: number;
}

const DEFAULT_MAX_QUOTED = 1024;

/**
 * Accumulates one response or command; literals keep their bytes untouched.
 * Text is gathered as one string and encoded once, at a literal or at the
 * end, rather than as a small Buffer per piece (an ENVELOPE has dozens).
 */
export class Wire {
  private readonly parts: Buffer[] = [];
  private pending = '';

  constructor(readonly options: WireOptions = {}) {}

  text(s: string): this {
    this.pending += s;
    return this;
  }

  private cut(): void {
    if (this.pending.length) this.parts.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }

  raw(b: Buffer): this {
    this.cut();
    this.parts.push(b);
    return this;
  }

  literal(data: Buffer, binary = false): this {
    const plus = this.options.nonSyncLiterals ? '+' : '';
    this.pending += `${binary ? '~' : ''}{${data.length}${plus}}\r\n`;
    this.cut();
    this.parts.push(data);
    return this;
  }

  quoted(s: string): this {
    return this.text(`"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  }

  /** string / nstring: quoted when it safely can be, otherwise a literal. */
  string(s: string | Buffer): this {
    if (Buffer.isBuffer(s)) return canQuoteBytes(s, this.options) ? this.quoted(s.toString('utf8')) : this.literal(s);
    return canQuote(s, this.options) ? this.quoted(s) : this.literal(Buffer.from(s, 'utf8'));
  }

  nstring(s: string | Buffer | null | undefined): this {
    return s === null || s === undefined ? this.text('NIL') : this.string(s);
  }

  /** astring: bare when it is a plain atom that cannot be mistaken for NIL. */
  astring(s: string): this {
    return isAtom(s) && !/[[\]]/.test(s) && s.toUpperCase() !== 'NIL' ? this.text(s) : this.string(s);
  }

  mailbox(name: string): this {
    return this.astring(this.options.utf8 ? name : encodeMailboxName(name));
  }

  crlf(): this {
    this.pending += '\r\n';
    return this;
  }

  toBuffer(): Buffer {
    if (!this.parts.length) return Buffer.from(this.pending, 'utf8');
    this.cut();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function canQuote(s: string, options: WireOptions = {}): boolean {
  const max = options.maxQuoted ?? DEFAULT_MAX_QUOTED;
  if (s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c >= 0x80 && !options.utf8) return false;
  }
  if (!options.utf8) return true;
  // a lone surrogate cannot survive UTF-8 inside quotes; a literal at least keeps the length honest
  return !LONE_SURROGATE.test(s) && Buffer.byteLength(s, 'utf8') <= max;
}

function canQuoteBytes(b: Buffer, options: WireOptions): boolean {
  if (b.length > (options.maxQuoted ?? DEFAULT_MAX_QUOTED)) return false;
  for (const c of b) {
    if (c === 0 || c === 0x0a || c === 0x0d) return false;
    if (c >= 0x80 && !options.utf8) return false;
  }
  if (!options.utf8) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
