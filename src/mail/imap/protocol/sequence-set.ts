/**
 * Sequence sets (RFC 3501 9 "sequence-set", RFC 5182 "$").
 *
 * Kept as written (ranges in client order, `*` unresolved) because `*` only gets a
 * value once the session knows the mailbox size, and because UID ranges like
 * `559:*` must include the last UID even when 559 is above it.
 */
import { ImapParseError } from './errors.ts';

export type SeqValue = number | '*';

export interface SequenceRange {
  start: SeqValue;
  /** Equal to start for a single number. */
  end: SeqValue;
}

export type SequenceSet =
  | { kind: 'set'; ranges: SequenceRange[] }
  /** `$`: the result saved by an earlier SEARCH RETURN (SAVE). */
  | { kind: 'saved' };

export const MAX_SEQ = 4294967295;

const NUMBER_RE = /^[1-9][0-9]*$/;

function parseSeqValue(text: string, whole: string): SeqValue {
  if (text === '*') return '*';
  if (text === '0') throw new ImapParseError(`Bad sequence set ${show(whole)}: numbers start at 1`);
  if (!NUMBER_RE.test(text)) throw new ImapParseError(`Bad sequence set ${show(whole)}: ${show(text)} is not a number`);
  const n = Number(text);
  if (text.length > 10 || n > MAX_SEQ) throw new ImapParseError(`Bad sequence set ${show(whole)}: ${text} is too large`);
  return n;
}

function show(t: string): string {
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}...` : t);
}

export function parseSequenceSet(text: string): SequenceSet {
  if (text === '$') return { kind: 'saved' };
  if (text.length === 0) throw new ImapParseError('Missing sequence set');
  const ranges: SequenceRange[] = [];
  for (const piece of text.split(',')) {
    if (piece === '') throw new ImapParseError(`Bad sequence set ${show(text)}: empty element`);
    if (piece === '$') throw new ImapParseError(`Bad sequence set ${show(text)}: $ must stand alone`);
    const colon = piece.indexOf(':');
    if (colon < 0) {
      const v = parseSeqValue(piece, text);
      ranges.push({ start: v, end: v });
    } else {
      const a = piece.slice(0, colon);
      const b = piece.slice(colon + 1);
      if (b.includes(':')) throw new ImapParseError(`Bad sequence set ${show(text)}: too many colons`);
      ranges.push({ start: parseSeqValue(a, text), end: parseSeqValue(b, text) });
    }
  }
  return { kind: 'set', ranges };
}

/** Quick syntactic test used by the generic tokenizer to label values. */
export function looksLikeSequenceSet(text: string): boolean {
  return text === '$' || /^(?:[0-9]+|\*)(?::(?:[0-9]+|\*))?(?:,(?:[0-9]+|\*)(?::(?:[0-9]+|\*))?)*$/.test(text);
}

export function formatSequenceSet(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges
    .map((r) => (r.start === r.end ? String(r.start) : `${r.start}:${r.end}`))
    .join(',');
}

/**
 * Resolve `*` to `max` and return merged, ascending [lo, hi] pairs.
 * Throws on `$` because the saved result is session state, not syntax.
 */
export function resolveSequenceSet(set: SequenceSet, max: number): Array<[number, number]> {
  if (set.kind === 'saved') throw new ImapParseError('The saved search result ($) must be resolved by the session');
  const pairs = set.ranges.map((r): [number, number] => {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    return a <= b ? [a, b] : [b, a];
  });
  pairs.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const p of pairs) {
    const last = merged[merged.length - 1];
    if (last && p[0] <= last[1] + 1) last[1] = Math.max(last[1], p[1]);
    else merged.push([p[0], p[1]]);
  }
  return merged;
}

/** Membership test without expanding, so `1:4294967295` costs nothing. */
export function sequenceSetHas(set: SequenceSet, n: number, max: number): boolean {
  if (set.kind === 'saved') throw new ImapParseError('The saved search result ($) must be resolved by the session');
  for (const r of set.ranges) {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    if (n >= Math.min(a, b) && n <= Math.max(a, b)) return true;
  }
  return false;
}

/**
 * Every number in the set that is at most `max`, ascending and unique.
 * Numbers above `max` are dropped: they name nothing in the mailbox.
 * `limit` guards callers that forgot to bound the output.
 */
export function expandSequenceSet(set: SequenceSet, max: number, limit = 10_000_000): number[] {
  const out: number[] = [];
  for (const [lo, hi] of resolveSequenceSet(set, max)) {
    const top = Math.min(hi, max);
    for (let n = Math.max(lo, 1); n <= top; n++) {
      if (out.length >= limit) throw new ImapParseError('Sequence set expands to too many numbers');
      out.push(n);
    }
  }
  return out;
}

/** The shortest set naming exactly these numbers (for COPYUID, APPENDUID, ESEARCH ALL). */
export function sequenceSetFromNumbers(numbers: Iterable<number>): SequenceSet {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const ranges: SequenceRange[] = [];
  for (const n of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && typeof last.end === 'number' && n === last.end + 1) last.end = n;
    else ranges.push({ start: n, end: n });
  }
  return { kind: 'set', ranges };
}

/**
 * Numbers in the order the client listed them, for COPYUID where source and
 * destination sets pair up position by position.
 */
export function sequenceSetInOrder(set: SequenceSet, max: number, limit = 10_000_000): number[] {
  if (set.kind === 'saved') throw new ImapParseError('The saved search result ($) must be resolved by the session');
  const out: number[] = [];
  for (const r of set.ranges) {
    const a = r.start === '*' ? max : r.start;
    const b = r.end === '*' ? max : r.end;
    const step = a <= b ? 1 : -1;
    for (let n = a; ; n += step) {
      if (out.length >= limit) throw new ImapParseError('Sequence set expands to too many numbers');
      out.push(n);
      if (n === b) break;
    }
  }
  return out;
}
