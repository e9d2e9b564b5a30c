/**
 * Turns a framed command into tag, command word and a generic value tree.
 *
 * Lexing is deliberately a little more permissive than RFC 3501 atoms (it admits
 * `%`, `*`, `]` and UTF-8) because typed parsers re-check each atom in context:
 * a LIST pattern may contain `%`, a mailbox may be `[Gmail]/Sent`, and the
 * per-command error ("bad flag") is clearer than a lexer error would be.
 */
import { TextDecoder } from 'node:util';
import { ImapParseError } from './errors.ts';
import { looksLikeSequenceSet, parseSequenceSet } from './sequence-set.ts';
import type { AtomValue, CommandFrame, ImapValue, PartialRange } from './values.ts';

export interface TokenizedCommand {
  tag: string;
  /** Upper-cased command word; `UID` stays separate, its subcommand is args[0]. */
  name: string;
  args: ImapValue[];
}

const MAX_DEPTH = 32;
const SP = 0x20;
const DQUOTE = 0x22;
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const BACKSLASH = 0x5c;
const TILDE = 0x7e;

const SECTION_ATOMS = new Set(['BODY', 'BODY.PEEK', 'BINARY', 'BINARY.PEEK', 'BINARY.SIZE']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function isCtl(b: number): boolean {
  return b < 0x20 || b === 0x7f;
}

/** Bytes that end an atom in command arguments. */
function endsAtom(b: number): boolean {
  return b === SP || b === LPAREN || b === RPAREN || b === DQUOTE || b === LBRACE || isCtl(b);
}

/** ASTRING-CHAR minus "+": what RFC 3501 allows in a tag. */
export function isTagChar(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== LPAREN && b !== RPAREN && b !== LBRACE && b !== 0x25 && b !== 0x2a && b !== DQUOTE && b !== BACKSLASH && b !== 0x2b;
}

/** Read the tag from the start of a line; undefined when it is not a valid tag. */
export function peekTag(line: Buffer): string | undefined {
  let i = 0;
  while (i < line.length && isTagChar(line[i])) i++;
  if (i === 0 || (i < line.length && line[i] !== SP)) return undefined;
  return line.toString('latin1', 0, i);
}

class Lexer {
  private part = 0;
  private pos = 0;
  tag: string | undefined;
  name: string | undefined;

  constructor(private readonly frame: CommandFrame) {}

  private get line(): Buffer {
    return this.frame.lines[this.part];
  }

  private peek(): number {
    return this.pos < this.line.length ? this.line[this.pos] : -1;
  }

  private fail(reason: string): never {
    throw new ImapParseError(reason, { tag: this.tag, command: this.name });
  }

  atEnd(): boolean {
    return this.part === this.frame.lines.length - 1 && this.pos >= this.line.length;
  }

  readTag(): string {
    const line = this.line;
    if (line.length === 0 && this.frame.lines.length === 1) this.fail('Empty command line');
    let i = 0;
    while (i < line.length && isTagChar(line[i])) i++;
    if (i === 0) this.fail('Missing or invalid tag');
    if (i < line.length && line[i] !== SP) this.fail(`Invalid character ${showByte(line[i])} in tag`);
    this.tag = line.toString('latin1', 0, i);
    this.pos = i;
    return this.tag;
  }

  readCommandName(): string {
    if (this.peek() !== SP) this.fail('Missing command name');
    this.pos++;
    const start = this.pos;
    while (this.pos < this.line.length && !endsAtom(this.line[this.pos])) this.pos++;
    const word = this.line.toString('latin1', start, this.pos);
    if (!/^[A-Za-z][A-Za-z0-9.\-_]*$/.test(word)) {
      this.fail(word ? `Invalid command name ${JSON.stringify(word.slice(0, 40))}` : 'Missing command name');
    }
    this.name = word.toUpperCase();
    return this.name;
  }

  /** Arguments after the command word, each preceded by exactly one space. */
  readArguments(): ImapValue[] {
    const out: ImapValue[] = [];
    while (!this.atEnd()) {
      if (this.peek() !== SP) this.fail(`Expected a space, found ${showByte(this.peek())}`);
      this.pos++;
      if (this.atEnd()) break; // a trailing space is a harmless, common client slip
      out.push(this.readValue(0, -1));
    }
    return out;
  }

  private readValue(depth: number, closer: number): ImapValue {
    const b = this.peek();
    if (b === LPAREN) return this.readList(depth + 1);
    if (b === DQUOTE) return { type: 'string', value: this.readQuoted() };
    if (b === LBRACE || (b === TILDE && this.line[this.pos + 1] === LBRACE)) return this.readLiteral();
    if (b === SP) this.fail('Unexpected extra space');
    if (b === RPAREN) this.fail('Unbalanced parenthesis: unexpected ")"');
    if (b === -1) this.fail(closer === RPAREN ? 'Unbalanced parenthesis: missing ")"' : 'Unexpected end of command');
    return this.readAtom(depth, closer);
  }

  /** Values up to `closer`, separated by single spaces. */
  private readSequence(depth: number, closer: number): ImapValue[] {
    if (depth > MAX_DEPTH) this.fail('Parentheses nested too deeply');
    const items: ImapValue[] = [];
    const what = closer === RPAREN ? ')' : ']';
    for (;;) {
      if (this.peek() === closer) {
        this.pos++;
        return items;
      }
      if (this.atEnd() || this.pos >= this.line.length) {
        this.fail(closer === RPAREN ? 'Unbalanced parenthesis: missing ")"' : 'Missing "]" after section');
      }
      if (items.length > 0) {
        if (this.peek() !== SP) this.fail(`Expected a space or "${what}", found ${showByte(this.peek())}`);
        this.pos++;
        if (this.peek() === closer) this.fail(`Unexpected space before "${what}"`);
      }
      items.push(this.readValue(depth, closer));
    }
  }

  private readList(depth: number): ImapValue {
    this.pos++;
    return { type: 'list', items: this.readSequence(depth, RPAREN) };
  }

  private readQuoted(): string {
    const line = this.line;
    this.pos++;
    let simpleStart = this.pos;
    let chunks: Buffer[] | undefined;
    for (;;) {
      if (this.pos >= line.length) this.fail('Unterminated quoted string');
      const b = line[this.pos];
      if (b === DQUOTE) break;
      if (b === 0) this.fail('NUL is not allowed in a quoted string');
      if (b === BACKSLASH) {
        const next = line[this.pos + 1];
        if (next !== DQUOTE && next !== BACKSLASH) {
          this.fail('Only \\" and \\\\ may be escaped in a quoted string');
        }
        chunks ??= [];
        chunks.push(line.subarray(simpleStart, this.pos), Buffer.of(next));
        this.pos += 2;
        simpleStart = this.pos;
        continue;
      }
      this.pos++;
    }
    const tail = line.subarray(simpleStart, this.pos);
    this.pos++;
    const raw = chunks ? Buffer.concat([...chunks, tail]) : tail;
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail('Quoted string is not valid UTF-8');
    }
  }

  private readLiteral(): ImapValue {
    const line = this.line;
    const rest = line.length - this.pos <= 40 ? line.toString('latin1', this.pos) : '';
    if (!/^~?\{[0-9]+\+?\}$/.test(rest)) this.fail('Malformed literal announcement or literal not at end of line');
    const literal = this.frame.literals[this.part];
    if (!literal || this.part >= this.frame.lines.length - 1) this.fail('Literal announcement without data');
    this.part++;
    this.pos = 0;
    return literal;
  }

  private readAtom(depth: number, closer: number): ImapValue {
    const line = this.line;
    const start = this.pos;
    while (this.pos < line.length) {
      const b = line[this.pos];
      if (endsAtom(b) || (closer === RBRACKET && b === RBRACKET)) break;
      if (b === LBRACKET && SECTION_ATOMS.has(line.toString('latin1', start, this.pos).toUpperCase())) {
        return this.readSectionAtom(start, depth);
      }
      this.pos++;
    }
    if (this.pos === start) this.fail(`Unexpected ${showByte(this.peek())}`);
    if (this.pos < line.length && isCtl(line[this.pos])) this.fail('Control characters are not allowed in atoms');
    let text: string;
    try {
      text = utf8.decode(line.subarray(start, this.pos));
    } catch {
      return this.fail('Atom is not valid UTF-8');
    }
    return classifyAtom(text);
  }

  private readSectionAtom(start: number, depth: number): AtomValue {
    const value = this.line.toString('latin1', start, this.pos);
    this.pos++;
    const section = this.readSequence(depth + 1, RBRACKET);
    const atom: AtomValue = { type: 'atom', value, section };
    if (this.peek() === 0x3c) atom.partial = this.readPartial();
    const b = this.peek();
    if (b !== -1 && b !== SP && b !== RPAREN) this.fail(`Unexpected ${showByte(b)} after ${value}[...]`);
    return atom;
  }

  private readPartial(): PartialRange {
    const rest = this.line.toString('latin1', this.pos, Math.min(this.line.length, this.pos + 32));
    const m = /^<([0-9]{1,10})(?:\.([0-9]{1,10}))?>/.exec(rest);
    if (!m) this.fail('Partial range must look like <offset.length>');
    this.pos += m[0].length;
    const partial: PartialRange = { offset: Number(m[1]) };
    if (m[2] !== undefined) partial.length = Number(m[2]);
    return partial;
  }
}

export function classifyAtom(text: string): ImapValue {
  if (/^[0-9]+$/.test(text)) return { type: 'number', value: Number(text), text };
  if (text.toUpperCase() === 'NIL') return { type: 'nil' };
  if (looksLikeSequenceSet(text)) {
    try {
      return { type: 'sequence', value: parseSequenceSet(text), text };
    } catch {
      // left as an atom: whoever expects a sequence set re-parses it and reports why
    }
  }
  return { type: 'atom', value: text };
}

function showByte(b: number): string {
  if (b === -1) return 'end of line';
  if (b >= 0x21 && b < 0x7f) return JSON.stringify(String.fromCharCode(b));
  return `byte 0x${b.toString(16).padStart(2, '0')}`;
}

export function tokenizeFrame(frame: CommandFrame): TokenizedCommand {
  const lexer = new Lexer(frame);
  const tag = lexer.readTag();
  const name = lexer.readCommandName();
  const args = lexer.readArguments();
  return { tag, name, args };
}
