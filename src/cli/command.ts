import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Settings } from '../config/settings.ts';

/** One command of `caremail`: its words, its help, and what it does. */
export type CommandIO = { out: (line: string) => void; err: (line: string) => void };

export type Command = {
  /** The words that select it, e.g. ['org', 'import']. */
  words: string[];
  summary: string;
  usage: string;
  /** Lines of help after the usage line. */
  help: string[];
  options?: ParseArgsConfig['options'];
  positionals?: { min: number; max: number };
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, settings: Settings, io: CommandIO): Promise<number>;
};

/** Bad input on the command line: the message is shown as is, and the exit code is 2. */
export class UsageError extends Error {}

export function parseCommandArgs(cmd: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...(cmd.options ?? {}) }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const { min, max } = cmd.positionals ?? { min: 0, max: 0 };
  if (!parsed.values.help) {
    if (parsed.positionals.length < min) throw new UsageError(`Missing argument. Usage: ${cmd.usage}`);
    if (parsed.positionals.length > max) throw new UsageError(`Unexpected argument "${parsed.positionals[max]}". Usage: ${cmd.usage}`);
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

export function requireOption(values: Record<string, string | boolean | undefined>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${name} is required. Usage: ${usage}`);
  return v.trim();
}
