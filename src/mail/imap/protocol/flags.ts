/**
 * Message flags and mailbox special-use attributes as clients may send them.
 *
 * System flags are matched case-insensitively and returned in canonical case so
 * the store never holds both `\Seen` and `\SEEN`; keywords keep the client's case.
 */
import { ImapParseError } from './errors.ts';

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;
const SYSTEM_BY_UPPER = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toUpperCase(), f]));

export const SPECIAL_USE = ['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash', '\\Important'] as const;
const SPECIAL_BY_UPPER = new Map<string, string>(SPECIAL_USE.map((f) => [f.toUpperCase(), f]));

/** ATOM-CHAR: printable ASCII minus atom-specials. */
const ATOM_RE = /^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/;

export function isAtom(text: string): boolean {
  return ATOM_RE.test(text);
}

/** A flag a client may set with STORE or APPEND. */
export function parseStoreFlag(text: string): string {
  if (text.startsWith('\\')) {
    const canonical = SYSTEM_BY_UPPER.get(text.toUpperCase());
    if (canonical) return canonical;
    if (text.toUpperCase() === '\\RECENT') throw new ImapParseError('\\Recent cannot be set by the client');
    throw new ImapParseError(`Unknown system flag ${JSON.stringify(text.slice(0, 40))}`);
  }
  if (!isAtom(text)) throw new ImapParseError(`Invalid flag ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

/** A flag in a SEARCH KEYWORD/UNKEYWORD key: keywords only. */
export function parseKeyword(text: string): string {
  if (!isAtom(text)) throw new ImapParseError(`Invalid keyword ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

export function parseSpecialUse(text: string): string {
  const canonical = SPECIAL_BY_UPPER.get(text.toUpperCase());
  if (!canonical) throw new ImapParseError(`Unknown special-use attribute ${JSON.stringify(text.slice(0, 40))}`);
  return canonical;
}
