/**
 * One-shot parsing of a complete command held in memory: for tests, tools and
 * the command serialiser's round trip. The server itself uses CommandReader.
 */
import type { Command } from './commands.ts';
import { ImapParseError } from './errors.ts';
import { CommandReader, type ReaderEvent, type ReaderOptions } from './literal-reader.ts';

/** All events for a byte string fed in one go (literals inline, nothing paused). */
export function readAll(input: string | Buffer, options: ReaderOptions = {}): ReaderEvent[] {
  const reader = new CommandReader({ pauseAfter: [], ...options });
  return reader.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
}

/**
 * Parse exactly one command. A missing final CRLF is added. Throws
 * ImapParseError for malformed, incomplete or multiple commands.
 */
export function parseCommand(input: string | Buffer, options: ReaderOptions = {}): Command {
  const reader = new CommandReader({ pauseAfter: [], ...options });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const events = reader.push(bytes);
  // input ending in literal data may end in CRLF and still lack the command's own CRLF
  if (reader.midCommand || bytes.length === 0) events.push(...reader.push(Buffer.from('\r\n')));
  const commands: Command[] = [];
  for (const ev of events) {
    if (ev.type === 'error') {
      throw new ImapParseError(ev.reason, { tag: ev.tag, command: ev.command, code: ev.code, status: ev.status, fatal: ev.fatal });
    }
    if (ev.type === 'command') commands.push(ev.command);
  }
  if (commands.length > 1) throw new ImapParseError('More than one command in the input');
  if (commands.length === 0 || reader.midCommand) throw new ImapParseError('Incomplete command: literal data missing');
  return commands[0];
}
