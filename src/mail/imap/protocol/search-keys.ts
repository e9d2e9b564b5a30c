/**
 * SEARCH key grammar (RFC 3501 6.4.4 plus CONDSTORE MODSEQ, WITHIN and
 * SEARCHRES `$`), shared by SEARCH, SORT and THREAD.
 */
import { TextDecoder } from 'node:util';
import { atomText, type Args } from './args.ts';
import { parseSearchDate } from './datetime.ts';
import { ImapParseError } from './errors.ts';
import { parseKeyword } from './flags.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';
import { describeValue, type ImapValue } from './values.ts';

export const FLAG_SEARCH_KEYS = [
  'ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN',
  'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN',
] as const;
export const TEXT_SEARCH_KEYS = ['BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO'] as const;
export const DATE_SEARCH_KEYS = ['BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'] as const;

export type SearchKey =
  | { key: (typeof FLAG_SEARCH_KEYS)[number] }
  | { key: (typeof TEXT_SEARCH_KEYS)[number]; value: string }
  | { key: 'KEYWORD' | 'UNKEYWORD'; flag: string }
  /** `date` is ISO "YYYY-MM-DD". */
  | { key: (typeof DATE_SEARCH_KEYS)[number]; date: string }
  | { key: 'HEADER'; field: string; value: string }
  | { key: 'LARGER' | 'SMALLER'; size: number }
  | { key: 'OLDER' | 'YOUNGER'; seconds: number }
  | { key: 'UID'; sequence: SequenceSet }
  /** A bare sequence set: message sequence numbers. */
  | { key: 'SEQUENCE'; sequence: SequenceSet }
  | { key: 'MODSEQ'; modseq: bigint; entry?: { name: string; type: 'priv' | 'shared' | 'all' } }
  | { key: 'NOT'; operand: SearchKey }
  | { key: 'OR'; left: SearchKey; right: SearchKey }
  /** A parenthesised group. */
  | { key: 'AND'; operands: SearchKey[] };

const FLAG_SET = new Set<string>(FLAG_SEARCH_KEYS);
const TEXT_SET = new Set<string>(TEXT_SEARCH_KEYS);
const DATE_SET = new Set<string>(DATE_SEARCH_KEYS);
const MAX_NESTING = 64;

/** Decodes search strings sent as literals in the declared CHARSET. */
export type StringDecoder = (v: ImapValue, what: string) => string;

export function charsetDecoder(charset: string | undefined): StringDecoder {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8', { fatal: true });
  } catch {
    throw new ImapParseError(`Unsupported charset ${JSON.stringify((charset ?? '').slice(0, 40))}`, { code: 'BADCHARSET', status: 'NO' });
  }
  return (v, what) => {
    if (v.type === 'literal') {
      try {
        return decoder.decode(v.value);
      } catch {
        throw new ImapParseError(`${what} is not valid ${charset ?? 'UTF-8'}`);
      }
    }
    if (v.type === 'string') return v.value;
    const t = v.type === 'list' ? undefined : atomText(v);
    if (t === undefined) throw new ImapParseError(`Expected ${what}, got ${describeValue(v)}`);
    return t;
  };
}

function searchDate(args: Args, key: string): string {
  const v = args.next(`date after ${key}`);
  const text = v.type === 'string' ? v.value : v.type === 'atom' ? atomText(v) : undefined;
  if (text === undefined) throw new ImapParseError(`Expected a date after ${key}, got ${describeValue(v)}`);
  return parseSearchDate(text);
}

function parseOne(args: Args, decode: StringDecoder, depth: number): SearchKey {
  if (depth > MAX_NESTING) throw new ImapParseError('Search expression nested too deeply');
  const v = args.next('search key');
  if (v.type === 'list') {
    if (v.items.length === 0) throw new ImapParseError('Empty parentheses in search');
    return { key: 'AND', operands: parseSearchKeys(args.sub(v.items), decode, depth + 1) };
  }
  if (v.type === 'sequence') return { key: 'SEQUENCE', sequence: v.value };
  if (v.type === 'number') return { key: 'SEQUENCE', sequence: parseSequenceSet(v.text) };
  const text = v.type === 'atom' ? atomText(v) : undefined;
  if (text === undefined) throw new ImapParseError(`Expected a search key, got ${describeValue(v)}`);
  if (/^[0-9*$:,]+$/.test(text)) return { key: 'SEQUENCE', sequence: parseSequenceSet(text) };
  const key = text.toUpperCase();
  if (FLAG_SET.has(key)) return { key } as SearchKey;
  if (TEXT_SET.has(key)) return { key, value: decode(args.next(`string after ${key}`), `string after ${key}`) } as SearchKey;
  if (DATE_SET.has(key)) return { key, date: searchDate(args, key) } as SearchKey;
  switch (key) {
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { key, flag: parseKeyword(args.atom(`keyword after ${key}`)) };
    case 'HEADER': {
      const field = decode(args.next('header field name'), 'header field name');
      const value = decode(args.next('header value'), 'header value');
      return { key, field, value };
    }
    case 'LARGER':
    case 'SMALLER':
      return { key, size: args.number(`size after ${key}`, 0, Number.MAX_SAFE_INTEGER) };
    case 'OLDER':
    case 'YOUNGER':
      return { key, seconds: args.number(`interval after ${key}`, 1) };
    case 'UID':
      return { key, sequence: args.sequenceSet('UID set') };
    case 'MODSEQ':
      return parseModseqKey(args);
    case 'NOT':
      return { key, operand: parseOne(args, decode, depth + 1) };
    case 'OR': {
      const left = parseOne(args, decode, depth + 1);
      const right = parseOne(args, decode, depth + 1);
      return { key, left, right };
    }
    default:
      throw new ImapParseError(`Unknown search key ${JSON.stringify(text.slice(0, 40))}`);
  }
}

function parseModseqKey(args: Args): SearchKey {
  const first = args.peek();
  if (first && first.type !== 'number') {
    const name = args.astring('MODSEQ entry name');
    if (!/^\/flags\/\\?[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/.test(name)) {
      throw new ImapParseError(`Bad MODSEQ entry name ${JSON.stringify(name.slice(0, 40))}`);
    }
    const type = args.atom('MODSEQ entry type').toLowerCase();
    if (type !== 'priv' && type !== 'shared' && type !== 'all') {
      throw new ImapParseError('MODSEQ entry type must be priv, shared or all');
    }
    return { key: 'MODSEQ', entry: { name, type }, modseq: args.number64('mod-sequence') };
  }
  return { key: 'MODSEQ', modseq: args.number64('mod-sequence') };
}

/** Keys until the arguments run out (one or more required). */
export function parseSearchKeys(args: Args, decode: StringDecoder, depth = 0): SearchKey[] {
  const keys: SearchKey[] = [];
  do {
    keys.push(parseOne(args, decode, depth));
  } while (args.remaining > 0);
  return keys;
}

/** True when the key uses `$`, which the session must resolve from saved state. */
export function searchUsesSaved(keys: SearchKey[]): boolean {
  return keys.some((k) => {
    switch (k.key) {
      case 'UID':
      case 'SEQUENCE':
        return k.sequence.kind === 'saved';
      case 'NOT':
        return searchUsesSaved([k.operand]);
      case 'OR':
        return searchUsesSaved([k.left, k.right]);
      case 'AND':
        return searchUsesSaved(k.operands);
      default:
        return false;
    }
  });
}
