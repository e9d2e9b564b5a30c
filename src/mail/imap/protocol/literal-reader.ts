/**
 * The incremental command reader: bytes in, events out. No I/O, no timers.
 *
 * Limits are checked when a literal is announced, before any of its bytes are
 * buffered, so a client cannot make us hold more than we agreed to. Literal
 * data is never interpreted as commands: when a literal is refused, the reader
 * still knows where it ends and throws those bytes away (see README.md).
 */
import { PAUSING_COMMANDS } from './commands.ts';
import { ImapParseError, type ParseErrorCode } from './errors.ts';
import { KNOWN_COMMANDS, parseCommandFrame } from './parse-command.ts';
import {
  findLiteralAnnouncement, toEvent, type Announcement, type ReaderErrorEvent, type ReaderEvent, type ReaderOptions,
} from './reader-events.ts';
import { peekTag } from './tokenizer.ts';
import type { LiteralValue } from './values.ts';

export { findLiteralAnnouncement, toEvent, type ReaderErrorEvent, type ReaderEvent, type ReaderOptions };

type Mode =
  | { kind: 'line' }
  | { kind: 'literal'; remaining: number; parts: Buffer[]; binary: boolean }
  | { kind: 'skipLiteral'; remaining: number }
  | { kind: 'skipLine' }
  | { kind: 'paused' }
  | { kind: 'rawLine' }
  | { kind: 'dead' };

const LF = 0x0a;
const CR = 0x0d;
const TAIL = 64;

export class CommandReader {
  private readonly maxLineLength: number;
  private readonly maxLiteralSize: number;
  private readonly maxCommandSize: number;
  private readonly maxLiterals: number;
  private readonly maxDiscardSize: number;
  private readonly pauseAfter: ReadonlySet<string>;
  private utf8: boolean;

  private mode: Mode = { kind: 'line' };
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  private lines: Buffer[] = [];
  private literals: LiteralValue[] = [];
  private commandBytes = 0;
  private tag: string | undefined;
  private tail = Buffer.alloc(0);
  private discardBudget = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(options: ReaderOptions = {}) {
    this.maxLineLength = options.maxLineLength ?? 64 * 1024;
    this.maxLiteralSize = options.maxLiteralSize ?? 35 * 1024 * 1024;
    this.maxCommandSize = options.maxCommandSize ?? 2 * this.maxLiteralSize + this.maxLineLength;
    this.maxLiterals = options.maxLiterals ?? 1000;
    this.maxDiscardSize = options.maxDiscardSize ?? 2 * this.maxLiteralSize;
    this.utf8 = options.utf8 ?? false;
    this.pauseAfter = new Set(options.pauseAfter ?? PAUSING_COMMANDS);
  }

  /** Switch mailbox-name decoding once the client has enabled UTF8=ACCEPT. */
  setUtf8(on: boolean): void {
    this.utf8 = on;
  }

  /** True after IDLE, AUTHENTICATE or STARTTLS until resume() (input is held, not parsed). */
  get paused(): boolean {
    return this.mode.kind === 'paused' || this.mode.kind === 'rawLine';
  }

  /** True once a fatal error was reported; further input is ignored. */
  get closed(): boolean {
    return this.mode.kind === 'dead';
  }

  /** True while part of a command has been received but not all of it. */
  get midCommand(): boolean {
    const k = this.mode.kind;
    return k === 'literal' || k === 'skipLiteral' || k === 'skipLine' || (k === 'line' && (this.lineLength > 0 || this.lines.length > 0));
  }

  /** Bytes received while paused and not yet looked at. */
  get heldInput(): number {
    return this.heldBytes;
  }

  /**
   * Feed bytes as they arrive. The reader may keep references to `chunk`
   * (literal data is not copied), so do not modify it afterwards.
   */
  push(chunk: Buffer): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    if (this.mode.kind === 'dead' || chunk.length === 0) return events;
    if (this.mode.kind === 'paused') this.hold(chunk, events);
    else this.consume(chunk, events);
    return events;
  }

  /** While paused: deliver the next raw line as a `line` event, then pause again. */
  readLine(): ReaderEvent[] {
    if (this.mode.kind !== 'paused') throw new Error('CommandReader.readLine() is only valid while paused');
    this.mode = { kind: 'rawLine' };
    return this.replayHeld();
  }

  /** Leave the paused state and parse whatever arrived in the meantime. */
  resume(): ReaderEvent[] {
    if (this.mode.kind !== 'paused' && this.mode.kind !== 'rawLine') return [];
    this.mode = { kind: 'line' };
    // a half-read raw line is still client input: put it back in front
    const partial = this.lineParts;
    this.lineParts = [];
    this.lineLength = 0;
    this.held = [...partial, ...this.held];
    this.heldBytes += partial.reduce((n, b) => n + b.length, 0);
    return this.replayHeld();
  }

  /**
   * Drop input held while paused. Call after STARTTLS succeeds: plaintext sent
   * before the handshake must never be run as commands (CVE-2011-0411 class).
   */
  discardHeldInput(): number {
    const n = this.heldBytes;
    this.held = [];
    this.heldBytes = 0;
    return n;
  }

  private replayHeld(): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    const pending = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (let i = 0; i < pending.length; i++) {
      if (this.mode.kind === 'dead') break;
      if (this.mode.kind === 'paused') {
        for (const c of pending.slice(i)) this.hold(c, events);
        break;
      }
      this.consume(pending[i], events);
    }
    return events;
  }

  private hold(chunk: Buffer, events: ReaderEvent[]): void {
    if (chunk.length === 0) return;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes > this.maxCommandSize) this.fatal(events, 'Too much data sent while the server was waiting');
  }

  private fatal(events: ReaderEvent[], reason: string, code?: ParseErrorCode): void {
    events.push({ type: 'error', ...(this.tag ? { tag: this.tag } : {}), reason, ...(code ? { code } : {}), status: 'BYE', fatal: true });
    this.mode = { kind: 'dead' };
    this.held = [];
    this.heldBytes = 0;
    this.lineParts = [];
    this.lines = [];
    this.literals = [];
  }

  private consume(chunk: Buffer, events: ReaderEvent[]): void {
    let off = 0;
    while (off < chunk.length) {
      switch (this.mode.kind) {
        case 'line':
        case 'rawLine':
          off = this.readLinePart(chunk, off, events);
          break;
        case 'literal': {
          const m = this.mode;
          const n = Math.min(m.remaining, chunk.length - off);
          m.parts.push(chunk.subarray(off, off + n));
          m.remaining -= n;
          off += n;
          if (m.remaining === 0) this.finishLiteral(m);
          break;
        }
        case 'skipLiteral': {
          const m = this.mode;
          const n = Math.min(m.remaining, chunk.length - off);
          m.remaining -= n;
          off += n;
          if (m.remaining === 0) {
            this.mode = { kind: 'skipLine' };
            this.tail = Buffer.alloc(0);
          }
          break;
        }
        case 'skipLine':
          off = this.skipLinePart(chunk, off, events);
          break;
        case 'paused':
          this.hold(chunk.subarray(off), events);
          return;
        case 'dead':
          return;
      }
    }
  }

  private readLinePart(chunk: Buffer, off: number, events: ReaderEvent[]): number {
    const lf = chunk.indexOf(LF, off);
    const end = lf < 0 ? chunk.length : lf;
    const total = this.lineLength + (end - off);
    if (lf < 0) {
      // one byte of grace: a CR at the chunk edge belongs to the line ending
      if (total > this.maxLineLength + 1) return this.lineTooLong(chunk, off, events);
    } else {
      const cr = end > off ? chunk[end - 1] === CR : this.lastByteIsCr();
      if (total - (cr ? 1 : 0) > this.maxLineLength) return this.lineTooLong(chunk, off, events);
    }
    this.lineParts.push(chunk.subarray(off, end));
    this.lineLength = total;
    if (lf < 0) return chunk.length;
    let line = this.lineParts.length === 1 ? this.lineParts[0] : Buffer.concat(this.lineParts);
    if (line.length && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    this.lineParts = [];
    this.lineLength = 0;
    if (this.mode.kind === 'rawLine') {
      events.push({ type: 'line', text: line.toString('utf8') });
      this.mode = { kind: 'paused' };
    } else {
      this.commandLine(line, events);
    }
    return lf + 1;
  }

  private lastByteIsCr(): boolean {
    const last = this.lineParts[this.lineParts.length - 1];
    return last !== undefined && last.length > 0 && last[last.length - 1] === CR;
  }

  private lineTooLong(chunk: Buffer, off: number, events: ReaderEvent[]): number {
    if (this.mode.kind === 'rawLine') {
      this.fatal(events, `Line too long (limit ${this.maxLineLength} bytes)`);
      return chunk.length;
    }
    const soFar = Buffer.concat(this.lineParts);
    if (this.lines.length === 0) {
      this.tag = peekTag(Buffer.concat([soFar.subarray(0, 256), chunk.subarray(off, off + 256)]).subarray(0, 256));
    }
    this.error(events, `Command line too long (limit ${this.maxLineLength} bytes)`, 'TOOBIG', 'BAD');
    this.tail = soFar.subarray(Math.max(0, soFar.length - TAIL));
    this.startDiscarding();
    this.mode = { kind: 'skipLine' };
    return off;
  }

  private skipLinePart(chunk: Buffer, off: number, events: ReaderEvent[]): number {
    const lf = chunk.indexOf(LF, off);
    const end = lf < 0 ? chunk.length : lf;
    const piece = chunk.subarray(Math.max(off, end - TAIL), end);
    this.tail = Buffer.concat([this.tail, piece]);
    if (this.tail.length > TAIL) this.tail = this.tail.subarray(this.tail.length - TAIL);
    if (lf < 0) return chunk.length;
    let t = this.tail;
    if (t.length && t[t.length - 1] === CR) t = t.subarray(0, t.length - 1);
    const ann = findLiteralAnnouncement(t);
    if (ann && ann.nonSync) {
      this.skipNonSync(ann, events);
    } else {
      this.mode = { kind: 'line' };
      this.tag = undefined;
    }
    this.tail = Buffer.alloc(0);
    return lf + 1;
  }

  private startDiscarding(): void {
    this.lines = [];
    this.literals = [];
    this.commandBytes = 0;
    this.lineParts = [];
    this.lineLength = 0;
    this.discardBudget = this.maxDiscardSize;
  }

  /** The client sends a non-synchronising literal without waiting, so its bytes must be skipped. */
  private skipNonSync(ann: Announcement, events: ReaderEvent[]): void {
    if (ann.size > this.discardBudget) {
      this.fatal(events, `Literal of ${sizeText(ann.size)} bytes is too large to skip; closing`, 'TOOBIG');
      return;
    }
    this.discardBudget -= ann.size;
    this.mode = ann.size > 0 ? { kind: 'skipLiteral', remaining: ann.size } : { kind: 'skipLine' };
  }

  private error(events: ReaderEvent[], reason: string, code: ParseErrorCode | undefined, status: 'BAD' | 'NO'): void {
    const e = new ImapParseError(reason, { tag: this.tag, code, status });
    events.push(toEvent(e));
  }

  private commandLine(line: Buffer, events: ReaderEvent[]): void {
    if (this.lines.length === 0) this.tag = peekTag(line);
    this.commandBytes += line.length + 2;
    const ann = findLiteralAnnouncement(line);
    if (!ann) {
      this.lines.push(line);
      this.finishCommand(events);
      return;
    }
    const refusal = this.checkLiteral(ann, line);
    if (refusal) {
      if (ann.nonSync && ann.size > this.maxDiscardSize) {
        this.fatal(events, `${refusal.reason}; too large to skip, closing`, refusal.code);
        return;
      }
      this.error(events, refusal.reason, refusal.code, refusal.status);
      this.startDiscarding();
      if (ann.nonSync) this.skipNonSync(ann, events);
      else this.resetCommand();
      return;
    }
    this.lines.push(line);
    if (!ann.nonSync) events.push({ type: 'needContinuation', tag: this.tag as string, size: ann.size });
    this.mode = { kind: 'literal', remaining: ann.size, parts: [], binary: ann.binary };
    if (ann.size === 0) this.finishLiteral(this.mode);
  }

  private checkLiteral(ann: Announcement, line: Buffer): { reason: string; code?: ParseErrorCode; status: 'BAD' | 'NO' } | undefined {
    if (this.tag === undefined) return { reason: 'Missing or invalid tag', status: 'BAD' };
    if (this.lines.length === 0) {
      // refuse before the upload when the command cannot succeed anyway
      const m = /^\S+ ([A-Za-z]+)/.exec(line.toString('latin1', 0, Math.min(line.length, 64)));
      const name = m?.[1].toUpperCase();
      if (!name || !KNOWN_COMMANDS.includes(name)) return { reason: `Unknown command ${JSON.stringify(name ?? '')}`, status: 'BAD' };
    }
    if (this.literals.length >= this.maxLiterals) return { reason: 'Too many literals in one command', code: 'TOOBIG', status: 'BAD' };
    if (ann.size > this.maxLiteralSize) {
      return { reason: `Literal of ${sizeText(ann.size)} bytes exceeds the limit of ${this.maxLiteralSize}`, code: 'TOOBIG', status: 'NO' };
    }
    if (this.commandBytes + ann.size > this.maxCommandSize) {
      return { reason: `Command exceeds the limit of ${this.maxCommandSize} bytes`, code: 'TOOBIG', status: 'NO' };
    }
    return undefined;
  }

  private finishLiteral(m: Extract<Mode, { kind: 'literal' }>): void {
    const value = m.parts.length === 1 ? m.parts[0] : Buffer.concat(m.parts);
    this.literals.push({ type: 'literal', value, binary: m.binary });
    this.commandBytes += value.length;
    this.mode = { kind: 'line' };
  }

  private finishCommand(events: ReaderEvent[]): void {
    const frame = { lines: this.lines, literals: this.literals };
    const tag = this.tag;
    this.resetCommand();
    try {
      const command = parseCommandFrame(frame, { utf8: this.utf8 });
      events.push({ type: 'command', command });
      if (this.pauseAfter.has(command.name)) this.mode = { kind: 'paused' };
    } catch (e) {
      const err = e instanceof ImapParseError ? e : new ImapParseError('Internal error while parsing the command', { tag });
      events.push(toEvent(err.withContext(tag, undefined)));
    }
  }

  private resetCommand(): void {
    this.lines = [];
    this.literals = [];
    this.commandBytes = 0;
    this.tag = undefined;
  }
}

function sizeText(n: number): string {
  return Number.isFinite(n) ? String(n) : 'too many';
}
