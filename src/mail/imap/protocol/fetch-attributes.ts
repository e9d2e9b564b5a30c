/**
 * FETCH attributes (RFC 3501 6.4.5, BINARY RFC 3516, CONDSTORE MODSEQ) and the
 * section spec they share with FETCH responses.
 */
import { Args, atomText } from './args.ts';
import { ImapParseError } from './errors.ts';
import { describeValue, type ImapValue, type PartialRange } from './values.ts';
import { Wire } from './wire-strings.ts';

export const SIMPLE_FETCH_NAMES = [
  'ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822', 'RFC822.HEADER', 'RFC822.SIZE', 'RFC822.TEXT',
  'UID', 'BODYSTRUCTURE', 'BODY', 'MODSEQ',
] as const;
export type SimpleFetchName = (typeof SIMPLE_FETCH_NAMES)[number];

export type SectionSpecifier = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface BodySection {
  /** MIME part path, e.g. [1, 2] for "1.2"; empty for the whole message. */
  part: number[];
  specifier?: SectionSpecifier;
  /** Only with HEADER.FIELDS / HEADER.FIELDS.NOT; kept as the client wrote them. */
  fields?: string[];
}

export type FetchAttribute =
  | { name: SimpleFetchName }
  | { name: 'BODY[]'; peek: boolean; section: BodySection; partial?: Required<PartialRange> }
  | { name: 'BINARY[]'; peek: boolean; part: number[]; partial?: Required<PartialRange> }
  | { name: 'BINARY.SIZE'; part: number[] };

const SIMPLE_SET = new Set<string>(SIMPLE_FETCH_NAMES);

export const FETCH_MACROS: Record<'ALL' | 'FAST' | 'FULL', FetchAttribute[]> = {
  ALL: [{ name: 'FLAGS' }, { name: 'INTERNALDATE' }, { name: 'RFC822.SIZE' }, { name: 'ENVELOPE' }],
  FAST: [{ name: 'FLAGS' }, { name: 'INTERNALDATE' }, { name: 'RFC822.SIZE' }],
  FULL: [{ name: 'FLAGS' }, { name: 'INTERNALDATE' }, { name: 'RFC822.SIZE' }, { name: 'ENVELOPE' }, { name: 'BODY' }],
};

function parsePartNumbers(pieces: string[], raw: string): number[] {
  return pieces.map((p) => {
    if (!/^[1-9][0-9]{0,8}$/.test(p)) throw new ImapParseError(`Bad section ${JSON.stringify(raw.slice(0, 40))}: part numbers start at 1`);
    return Number(p);
  });
}

export function parseSection(items: ImapValue[], ctx: Args['ctx']): BodySection {
  if (items.length === 0) return { part: [] };
  const first = items[0];
  const raw = first.type === 'atom' || first.type === 'number' ? atomText(first) : undefined;
  if (raw === undefined) throw new ImapParseError(`Bad section: unexpected ${describeValue(first)}`);
  const pieces = raw.split('.');
  let n = 0;
  while (n < pieces.length && /^[0-9]+$/.test(pieces[n])) n++;
  const part = parsePartNumbers(pieces.slice(0, n), raw);
  const rest = pieces.slice(n).join('.').toUpperCase();
  const section: BodySection = { part };
  if (rest === '') {
    if (items.length > 1) throw new ImapParseError('Bad section: unexpected text after part number');
    return section;
  }
  if (!['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(rest)) {
    throw new ImapParseError(`Bad section ${JSON.stringify(raw.slice(0, 40))}`);
  }
  section.specifier = rest as SectionSpecifier;
  if (rest === 'MIME' && part.length === 0) throw new ImapParseError('Bad section: MIME needs a part number');
  if (rest === 'HEADER.FIELDS' || rest === 'HEADER.FIELDS.NOT') {
    const args = new Args(items.slice(1), ctx);
    const list = args.list('header field names');
    args.end();
    if (list.length === 0) throw new ImapParseError(`Bad section: ${rest} needs at least one field name`);
    section.fields = list.map((v) => {
      const sub = new Args([v], ctx);
      const f = sub.astring('header field name');
      if (!/^[!-9;-~]+$/.test(f)) throw new ImapParseError(`Bad header field name ${JSON.stringify(f.slice(0, 40))}`);
      return f;
    });
  } else if (items.length > 1) {
    throw new ImapParseError(`Bad section: unexpected text after ${rest}`);
  }
  return section;
}

function requirePartial(p: PartialRange | undefined, name: string): Required<PartialRange> | undefined {
  if (!p) return undefined;
  if (p.length === undefined || p.length === 0) throw new ImapParseError(`${name} partial must be <offset.length> with a length of at least 1`);
  return { offset: p.offset, length: p.length };
}

function parseAttribute(v: ImapValue, ctx: Args['ctx']): FetchAttribute {
  if (v.type !== 'atom') throw new ImapParseError(`Expected a fetch attribute, got ${describeValue(v)}`);
  const name = v.value.toUpperCase();
  if (!v.section) {
    if (SIMPLE_SET.has(name)) return { name } as FetchAttribute;
    throw new ImapParseError(`Unknown fetch attribute ${JSON.stringify(v.value.slice(0, 40))}`);
  }
  if (name === 'BODY' || name === 'BODY.PEEK') {
    const attr: FetchAttribute = { name: 'BODY[]', peek: name === 'BODY.PEEK', section: parseSection(v.section, ctx) };
    const partial = requirePartial(v.partial, name);
    if (partial) attr.partial = partial;
    return attr;
  }
  const part = parseBinaryPart(v.section);
  if (name === 'BINARY.SIZE') {
    if (v.partial) throw new ImapParseError('BINARY.SIZE does not take a partial range');
    return { name: 'BINARY.SIZE', part };
  }
  const attr: FetchAttribute = { name: 'BINARY[]', peek: name === 'BINARY.PEEK', part };
  const partial = requirePartial(v.partial, name);
  if (partial) attr.partial = partial;
  return attr;
}

function parseBinaryPart(items: ImapValue[]): number[] {
  if (items.length === 0) return [];
  const t = items.length === 1 ? atomText(items[0]) : undefined;
  if (t === undefined || !/^[0-9]+(\.[0-9]+)*$/.test(t)) throw new ImapParseError('Bad BINARY section: only part numbers are allowed');
  return parsePartNumbers(t.split('.'), t);
}

/** FETCH's attribute argument: a macro, one attribute, or a parenthesised list. */
export function parseFetchAttributes(v: ImapValue, ctx: Args['ctx']): { attributes: FetchAttribute[]; macro?: 'ALL' | 'FAST' | 'FULL' } {
  if (v.type === 'list') {
    if (v.items.length === 0) throw new ImapParseError('Empty fetch attribute list');
    return { attributes: v.items.map((i) => parseAttribute(i, ctx)) };
  }
  if (v.type === 'atom' && !v.section) {
    const upper = v.value.toUpperCase();
    if (upper === 'ALL' || upper === 'FAST' || upper === 'FULL') {
      return { attributes: FETCH_MACROS[upper].map((a) => ({ ...a })), macro: upper };
    }
  }
  return { attributes: [parseAttribute(v, ctx)] };
}

/** "1.2.HEADER.FIELDS (DATE FROM)" without brackets; used by both writers. */
export function formatSection(section: BodySection, w: Wire): void {
  const bits = section.part.map(String);
  if (section.specifier) bits.push(section.specifier);
  w.text(bits.join('.'));
  if (section.fields) {
    w.text(' (');
    section.fields.forEach((f, i) => {
      if (i) w.text(' ');
      w.astring(f);
    });
    w.text(')');
  }
}

export function formatFetchAttribute(a: FetchAttribute, w: Wire): void {
  switch (a.name) {
    case 'BODY[]':
      w.text(a.peek ? 'BODY.PEEK[' : 'BODY[');
      formatSection(a.section, w);
      w.text(']');
      if (a.partial) w.text(`<${a.partial.offset}.${a.partial.length}>`);
      return;
    case 'BINARY[]':
      w.text(`${a.peek ? 'BINARY.PEEK' : 'BINARY'}[${a.part.join('.')}]`);
      if (a.partial) w.text(`<${a.partial.offset}.${a.partial.length}>`);
      return;
    case 'BINARY.SIZE':
      w.text(`BINARY.SIZE[${a.part.join('.')}]`);
      return;
    default:
      w.text(a.name);
  }
}
