/**
 * What the command reader accepts as options and hands back as events, plus
 * the literal-announcement scanner it shares with nothing else.
 */
import type { Command } from './commands.ts';
import type { ImapParseError, ParseErrorCode } from './errors.ts';

export interface ReaderOptions {
  /** Longest line of command text (between literals), CRLF excluded. Default 64 KiB. */
  maxLineLength?: number;
  /** Largest single literal accepted. Default 35 MiB. */
  maxLiteralSize?: number;
  /** Largest whole command, lines plus literals (bounds MULTIAPPEND). Default 2 × maxLiteralSize + maxLineLength. */
  maxCommandSize?: number;
  /** Most literals in one command. Default 1000. */
  maxLiterals?: number;
  /**
   * Refused non-synchronising literals are read and thrown away up to this many
   * bytes per command; beyond it the error is fatal. Default 2 × maxLiteralSize.
   */
  maxDiscardSize?: number;
  /** Mailbox names are UTF-8 rather than modified UTF-7 (after ENABLE UTF8=ACCEPT). */
  utf8?: boolean;
  /** Commands after which the reader pauses. Default IDLE, AUTHENTICATE, STARTTLS. */
  pauseAfter?: Iterable<string>;
}

export type ReaderEvent =
  | { type: 'command'; command: Command }
  /** Write `+ Ready for literal data` now: the client waits for it. */
  | { type: 'needContinuation'; tag: string; size: number }
  /** A raw line requested with readLine(): IDLE's DONE or a SASL response. */
  | { type: 'line'; text: string }
  | ReaderErrorEvent;

export interface ReaderErrorEvent {
  type: 'error';
  tag?: string;
  command?: string;
  reason: string;
  code?: ParseErrorCode;
  /** Suggested reply status; BYE goes with fatal. */
  status: 'BAD' | 'NO' | 'BYE';
  /** The stream cannot be followed any further: reply, then close the connection. */
  fatal: boolean;
}

export interface Announcement {
  size: number;
  nonSync: boolean;
  binary: boolean;
}

/** `{N}`, `{N+}`, `~{N}` at the very end of a line; digits of any length. */
export function findLiteralAnnouncement(line: Buffer): Announcement | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return null;
  i--;
  const nonSync = line[i] === 0x2b;
  if (nonSync) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i] >= 0x30 && line[i] <= 0x39) i--;
  const digits = digitsEnd - (i + 1);
  if (digits === 0 || i < 0 || line[i] !== 0x7b) return null;
  const size = digits > 15 ? Infinity : Number(line.toString('latin1', i + 1, digitsEnd));
  return { size, nonSync, binary: i > 0 && line[i - 1] === 0x7e };
}

export function toEvent(e: ImapParseError): ReaderErrorEvent {
  const ev: ReaderErrorEvent = { type: 'error', reason: e.reason, status: e.status, fatal: e.fatal };
  if (e.tag !== undefined) ev.tag = e.tag;
  if (e.command !== undefined) ev.command = e.command;
  if (e.code !== undefined) ev.code = e.code;
  return ev;
}
