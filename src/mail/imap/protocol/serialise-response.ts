/**
 * Server responses. Every function returns the complete bytes of one
 * response, CRLF included, ready for socket.write().
 */
import type { StatusItem } from './commands.ts';
import type { ReaderErrorEvent } from './literal-reader.ts';
import { encodeMailboxName } from './mutf7.ts';
import { writeResponseCode, type ResponseCode } from './response-codes.ts';
import { formatSequenceSet, type SequenceSet } from './sequence-set.ts';
import { Wire, type WireOptions } from './wire-strings.ts';

export type TaggedStatus = 'OK' | 'NO' | 'BAD';
export type UntaggedStatus = TaggedStatus | 'PREAUTH' | 'BYE';

/** Human text must stay on one line; CR/LF from a caller would end the response early. */
function cleanText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function statusLine(prefix: string, status: string, text: string, code: ResponseCode | undefined, options?: WireOptions): Buffer {
  const w = new Wire(options).text(`${prefix} ${status} `);
  if (code) {
    writeResponseCode(w, code);
    w.text(' ');
  }
  // resp-text needs at least one character after the code
  return w.text(cleanText(text) || (code ? 'Done' : 'Completed')).crlf().toBuffer();
}

export function tagged(tag: string, status: TaggedStatus, text: string, code?: ResponseCode): Buffer {
  return statusLine(tag, status, text, code);
}

export function untaggedStatus(status: UntaggedStatus, text: string, code?: ResponseCode): Buffer {
  return statusLine('*', status, text, code);
}

/** `+ text`: literal go-ahead, IDLE acknowledgement. */
export function continuation(text = 'Ready for literal data'): Buffer {
  return Buffer.from(`+ ${cleanText(text)}\r\n`, 'utf8');
}

/** `+ <base64>`: a SASL challenge; an empty challenge is "+ " per RFC 3501. */
export function saslChallenge(data: Buffer): Buffer {
  return Buffer.from(`+ ${data.toString('base64')}\r\n`, 'latin1');
}

/** The reply for a reader error event: tagged when the tag was read, else untagged. */
export function errorResponse(ev: ReaderErrorEvent): Buffer {
  const code: ResponseCode | undefined = ev.code ? { name: ev.code } as ResponseCode : undefined;
  if (ev.fatal || ev.status === 'BYE') return untaggedStatus('BYE', ev.reason, code);
  if (ev.tag === undefined) return untaggedStatus('BAD', ev.reason, code);
  return tagged(ev.tag, ev.status, ev.reason, code);
}

/** Any untagged data line built from pre-formatted text, e.g. `* 23 EXISTS`. */
export function untagged(text: string): Buffer {
  return Buffer.from(`* ${text}\r\n`, 'utf8');
}

export const exists = (n: number): Buffer => untagged(`${n} EXISTS`);
export const recent = (n: number): Buffer => untagged(`${n} RECENT`);
export const expunge = (seq: number): Buffer => untagged(`${seq} EXPUNGE`);

export function capability(capabilities: string[]): Buffer {
  return untagged(`CAPABILITY ${capabilities.join(' ')}`);
}

export function enabled(capabilities: string[]): Buffer {
  return untagged(capabilities.length ? `ENABLED ${capabilities.join(' ')}` : 'ENABLED');
}

export function flags(list: string[]): Buffer {
  return untagged(`FLAGS (${list.join(' ')})`);
}

/** QRESYNC VANISHED: `* VANISHED (EARLIER) 300:310`. */
export function vanished(uids: SequenceSet, earlier = false): Buffer {
  return untagged(`VANISHED ${earlier ? '(EARLIER) ' : ''}${formatSequenceSet(uids)}`);
}

export interface ListEntry {
  /** Name attributes, e.g. ['\\HasNoChildren', '\\Sent']. */
  attributes: string[];
  /** Hierarchy delimiter, or null for a flat namespace. */
  delimiter: string | null;
  /** Unicode name; encoded as modified UTF-7 unless options.utf8. */
  mailbox: string;
  /** LIST-EXTENDED CHILDINFO, e.g. ['SUBSCRIBED']. */
  childInfo?: string[];
  /** RFC 9051 OLDNAME after a rename. */
  oldName?: string;
}

function writeListEntry(w: Wire, e: ListEntry): void {
  w.text(`(${e.attributes.join(' ')}) `);
  if (e.delimiter === null) w.text('NIL');
  else w.quoted(e.delimiter);
  w.text(' ').mailbox(e.mailbox);
  const ext: Array<() => void> = [];
  if (e.childInfo?.length) {
    const info = e.childInfo;
    ext.push(() => {
      w.text('"CHILDINFO" (');
      info.forEach((c, i) => {
        if (i) w.text(' ');
        w.quoted(c);
      });
      w.text(')');
    });
  }
  if (e.oldName !== undefined) {
    const old = e.oldName;
    ext.push(() => w.text('"OLDNAME" (').mailbox(old).text(')'));
  }
  if (ext.length) {
    w.text(' (');
    ext.forEach((f, i) => {
      if (i) w.text(' ');
      f();
    });
    w.text(')');
  }
}

export function list(entry: ListEntry, options?: WireOptions): Buffer {
  const w = new Wire(options).text('* LIST ');
  writeListEntry(w, entry);
  return w.crlf().toBuffer();
}

export function lsub(entry: ListEntry, options?: WireOptions): Buffer {
  const w = new Wire(options).text('* LSUB ');
  writeListEntry(w, { ...entry, childInfo: undefined, oldName: undefined });
  return w.crlf().toBuffer();
}

export type StatusValues = Array<[StatusItem, number | bigint]>;

/** `* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)`, items in the given order. */
export function mailboxStatus(mailbox: string, values: StatusValues, options?: WireOptions): Buffer {
  const w = new Wire(options).text('* STATUS ').mailbox(mailbox);
  return w.text(` (${values.map(([k, v]) => `${k} ${v}`).join(' ')})`).crlf().toBuffer();
}

/** Classic SEARCH / SORT result; CONDSTORE adds `(MODSEQ n)`. */
export function search(numbers: number[], highestModseq?: bigint | number): Buffer {
  const parts = ['SEARCH', ...numbers.map(String)];
  if (highestModseq !== undefined && numbers.length) parts.push(`(MODSEQ ${highestModseq})`);
  return untagged(parts.join(' '));
}

export function sort(numbers: number[], highestModseq?: bigint | number): Buffer {
  const parts = ['SORT', ...numbers.map(String)];
  if (highestModseq !== undefined && numbers.length) parts.push(`(MODSEQ ${highestModseq})`);
  return untagged(parts.join(' '));
}

export interface EsearchResult {
  /** Tag of the command this answers (RFC 4731 search-correlator). */
  tag?: string;
  uid: boolean;
  min?: number;
  max?: number;
  all?: SequenceSet;
  count?: number;
  modseq?: bigint | number;
}

export function esearch(r: EsearchResult): Buffer {
  const w = new Wire().text('* ESEARCH');
  if (r.tag !== undefined) w.text(' (TAG ').quoted(r.tag).text(')');
  if (r.uid) w.text(' UID');
  if (r.min !== undefined) w.text(` MIN ${r.min}`);
  if (r.max !== undefined) w.text(` MAX ${r.max}`);
  if (r.all !== undefined && (r.all.kind === 'saved' || r.all.ranges.length)) w.text(` ALL ${formatSequenceSet(r.all)}`);
  if (r.count !== undefined) w.text(` COUNT ${r.count}`);
  if (r.modseq !== undefined) w.text(` MODSEQ ${r.modseq}`);
  return w.crlf().toBuffer();
}

/** A THREAD tree node; `id` null marks a missing parent (a dummy). */
export interface ThreadNode {
  id: number | null;
  children: ThreadNode[];
}

function threadMembers(node: ThreadNode): string {
  if (node.id === null && node.children.length === 1) return threadMembers(node.children[0]);
  const head = node.id === null ? '' : String(node.id);
  if (node.children.length === 0) return head;
  if (node.children.length === 1) return `${head} ${threadMembers(node.children[0])}`;
  const nested = node.children.map((c) => `(${threadMembers(c)})`).join('');
  return head ? `${head} ${nested}` : nested;
}

/** `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256). */
export function thread(roots: ThreadNode[]): Buffer {
  const body = roots.map((r) => `(${threadMembers(r)})`).join('');
  return untagged(body ? `THREAD ${body}` : 'THREAD');
}

export interface NamespaceEntry {
  prefix: string;
  delimiter: string | null;
}

export function namespace(personal: NamespaceEntry[] | null, other: NamespaceEntry[] | null, shared: NamespaceEntry[] | null, options?: WireOptions): Buffer {
  const w = new Wire(options).text('* NAMESPACE');
  for (const group of [personal, other, shared]) {
    if (!group || group.length === 0) {
      w.text(' NIL');
      continue;
    }
    w.text(' (');
    for (const ns of group) {
      w.text('(').string(options?.utf8 ? ns.prefix : encodeMailboxName(ns.prefix)).text(' ');
      if (ns.delimiter === null) w.text('NIL');
      else w.quoted(ns.delimiter);
      w.text(')');
    }
    w.text(')');
  }
  return w.crlf().toBuffer();
}

/** `* ID ("name" "Caremail")` or `* ID NIL` (RFC 2971). */
export function id(parameters: Array<{ key: string; value: string | null }> | null): Buffer {
  const w = new Wire().text('* ID ');
  if (!parameters || parameters.length === 0) return w.text('NIL').crlf().toBuffer();
  w.text('(');
  parameters.forEach((p, i) => {
    if (i) w.text(' ');
    w.string(p.key).text(' ').nstring(p.value);
  });
  return w.text(')').crlf().toBuffer();
}

export interface QuotaResource {
  /** STORAGE (in KiB), MESSAGE, MAILBOX, ANNOTATION-STORAGE. */
  name: string;
  usage: number | bigint;
  limit: number | bigint;
}

/** `* QUOTA "" (STORAGE 10 512)` (RFC 9208). */
export function quota(root: string, resources: QuotaResource[]): Buffer {
  const w = new Wire().text('* QUOTA ').astring(root);
  return w.text(` (${resources.map((r) => `${r.name} ${r.usage} ${r.limit}`).join(' ')})`).crlf().toBuffer();
}

/** `* QUOTAROOT INBOX ""` */
export function quotaRoot(mailbox: string, roots: string[], options?: WireOptions): Buffer {
  const w = new Wire(options).text('* QUOTAROOT ').mailbox(mailbox);
  for (const r of roots) w.text(' ').astring(r);
  return w.crlf().toBuffer();
}
