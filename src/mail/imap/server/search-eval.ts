/**
 * SEARCH criteria (RFC 3501 6.4.4, CONDSTORE MODSEQ, WITHIN, SEARCHRES)
 * evaluated over the facts the store kept at delivery: flags, sizes, dates and
 * the envelope answer most keys without reading a message. HEADER reads only
 * header blocks, after a database pass that keeps just the messages whose
 * headers contain the text; BODY and TEXT read the messages' bytes.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import { decodeWords, leaves, parseMime, partText } from '../../mime/parse.ts';
import { messageFacts, readHeadersMany, readRawMany, uidsWithHeaderText, uidsWithSubjectText, type MessageFacts } from '../../store/index.ts';
import { isGroup, type AddressEntry } from '../protocol/envelope.ts';
import { sequenceSetHas, type SearchKey } from '../protocol/index.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';

type Loaded = { headers?: Buffer; raw?: Buffer };
type Needs = { headers: boolean; body: boolean };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], DELETED: ['\\Deleted', true], DRAFT: ['\\Draft', true], FLAGGED: ['\\Flagged', true], SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false], UNDELETED: ['\\Deleted', false], UNDRAFT: ['\\Draft', false], UNFLAGGED: ['\\Flagged', false], UNSEEN: ['\\Seen', false],
};

function needsOf(keys: SearchKey[], n: Needs = { headers: false, body: false }): Needs {
  for (const k of keys) {
    if (k.key === 'HEADER' && !isSubjectHeader(k)) n.headers = true;
    else if (k.key === 'BODY' || k.key === 'TEXT') n.body = true;
    else if (k.key === 'NOT') needsOf([k.operand], n);
    else if (k.key === 'OR') needsOf([k.left, k.right], n);
    else if (k.key === 'AND') needsOf(k.operands, n);
  }
  return n;
}

/**
 * HEADER Subject is answered from the stored envelope's subject (the first
 * Subject header, which RFC 5322 allows only once), so no header block is read.
 */
function isSubjectHeader(k: SearchKey): boolean {
  return k.key === 'HEADER' && k.field.toLowerCase() === 'subject';
}

function hasFlag(flags: string[], flag: string): boolean {
  const f = flag.toLowerCase();
  return flags.some((x) => x.toLowerCase() === f);
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

function addressText(list: AddressEntry[] | null): string {
  if (!list) return '';
  const one = (a: { name: string | null; mailbox: string | null; host: string | null }) =>
    `${a.name ? decodeWords(a.name) : ''} <${a.mailbox ?? ''}@${a.host ?? ''}>`;
  return list.map((e) => (isGroup(e) ? `${e.group}: ${e.members.map(one).join(', ')}` : one(e))).join(', ');
}

function headerValues(block: Buffer, field: string): string[] {
  const text = block.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const unfolded = (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, ' ');
  const want = field.toLowerCase();
  const out: string[] = [];
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === want) out.push(decodeWords(line.slice(colon + 1).trim()));
  }
  return out;
}

function bodyText(raw: Buffer): string {
  const root = parseMime(raw);
  const texts = leaves(root).filter((p) => p.type === 'text').map((p) => partText(raw, p));
  return texts.length ? texts.join('\n') : raw.subarray(root.bodyStart).toString('utf8');
}

function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

class Evaluator {
  constructor(
    private readonly sel: SelectedMailbox,
    private readonly saved: Set<number>,
    private readonly now: number,
  ) {}

  matches(k: SearchKey, m: MessageFacts, l: Loaded): boolean {
    switch (k.key) {
      case 'ALL': return true;
      case 'RECENT': return this.sel.isRecent(m.uid);
      case 'OLD': return !this.sel.isRecent(m.uid);
      case 'NEW': return this.sel.isRecent(m.uid) && !hasFlag(m.flags, '\\Seen');
      case 'KEYWORD': return hasFlag(m.flags, k.flag);
      case 'UNKEYWORD': return !hasFlag(m.flags, k.flag);
      case 'BEFORE': return dayOf(m.internalDate) < k.date;
      case 'ON': return dayOf(m.internalDate) === k.date;
      case 'SINCE': return dayOf(m.internalDate) >= k.date;
      case 'SENTBEFORE': return dayOf(m.sentDate ?? m.internalDate) < k.date;
      case 'SENTON': return dayOf(m.sentDate ?? m.internalDate) === k.date;
      case 'SENTSINCE': return dayOf(m.sentDate ?? m.internalDate) >= k.date;
      case 'SUBJECT': return contains(decodeWords(m.envelope.subject ?? ''), k.value);
      case 'FROM': return contains(addressText(m.envelope.from), k.value);
      case 'TO': return contains(addressText(m.envelope.to), k.value);
      case 'CC': return contains(addressText(m.envelope.cc), k.value);
      case 'BCC': return contains(addressText(m.envelope.bcc), k.value);
      case 'HEADER': {
        if (k.field.toLowerCase() === 'subject') return m.envelope.subject !== null && (k.value === '' || contains(decodeWords(m.envelope.subject.trim()), k.value));
        const values = headerValues(l.headers ?? Buffer.alloc(0), k.field);
        return values.length > 0 && (k.value === '' || values.some((v) => contains(v, k.value)));
      }
      case 'BODY': return l.raw ? contains(bodyText(l.raw), k.value) : false;
      case 'TEXT': return l.raw ? contains(l.raw.toString('utf8'), k.value) || contains(bodyText(l.raw), k.value) : false;
      case 'LARGER': return m.size > k.size;
      case 'SMALLER': return m.size < k.size;
      case 'OLDER': return this.now - m.internalDate.getTime() >= k.seconds * 1000;
      case 'YOUNGER': return this.now - m.internalDate.getTime() <= k.seconds * 1000;
      case 'UID': return k.sequence.kind === 'saved' ? this.saved.has(m.uid) : sequenceSetHas(k.sequence, m.uid, this.sel.maxUid);
      case 'SEQUENCE': return k.sequence.kind === 'saved' ? this.saved.has(m.uid) : sequenceSetHas(k.sequence, this.sel.seqOf(m.uid), this.sel.exists);
      case 'MODSEQ': return m.modseq >= Number(k.modseq);
      case 'NOT': return !this.matches(k.operand, m, l);
      case 'OR': return this.matches(k.left, m, l) || this.matches(k.right, m, l);
      case 'AND': return k.operands.every((o) => this.matches(o, m, l));
      default: {
        const f = FLAG_KEYS[k.key];
        return f ? hasFlag(m.flags, f[0]) === f[1] : false;
      }
    }
  }
}

export type SearchOutcome = { uids: number[]; highestModseq: number };

/** UIDs of the selected mailbox's live messages matching every key, ascending. */
export async function searchMailbox(db: Kysely<DB>, sel: SelectedMailbox, keys: SearchKey[], savedUids: number[]): Promise<SearchOutcome> {
  const folderId = sel.folder.id;
  let candidates: Set<number> | null = null;
  // a positive HEADER or SUBJECT key at the top level lets the database drop most messages first
  for (const k of keys) {
    if ((k.key !== 'HEADER' && k.key !== 'SUBJECT') || k.value === '') continue;
    const bySubject = k.key === 'SUBJECT' || isSubjectHeader(k);
    const hit = bySubject ? await uidsWithSubjectText(db, folderId, k.value) : await uidsWithHeaderText(db, folderId, k.value);
    if (!hit) continue;
    const before: Set<number> | null = candidates;
    candidates = before ? new Set<number>([...before].filter((u: number) => hit.has(u))) : hit;
  }
  const facts = (candidates ? await messageFacts(db, folderId, [...candidates]) : await messageFacts(db, folderId))
    .filter((m) => sel.seqOf(m.uid) > 0 && !sel.isExpunged(m.uid));
  const needs = needsOf(keys);
  const ev = new Evaluator(sel, new Set(savedUids), Date.now());
  const uids: number[] = [];
  let highestModseq = 0;
  const batch = needs.body ? 200 : 2000;
  for (let i = 0; i < facts.length; i += batch) {
    const slice = facts.slice(i, i + batch);
    const shas = slice.map((m) => m.blobSha256);
    const raws = needs.body ? await readRawMany(db, shas) : null;
    const heads = needs.headers && !raws ? await readHeadersMany(db, shas) : null;
    for (const m of slice) {
      const raw = raws?.get(m.blobSha256);
      const l: Loaded = { raw, headers: heads?.get(m.blobSha256) ?? raw };
      if (keys.every((k) => ev.matches(k, m, l))) {
        uids.push(m.uid);
        highestModseq = Math.max(highestModseq, m.modseq);
      }
    }
  }
  return { uids, highestModseq };
}
