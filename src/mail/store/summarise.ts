import addressparser from 'nodemailer/lib/addressparser';
import type { AddressEntry, Envelope } from '../imap/protocol/envelope.ts';
import type { BodyStructure, SinglePart } from '../imap/protocol/body-structure.ts';
import {
  decodeWords, fileNameOf, headerValue, type Header, leaves, type MimePart, parseMime, parseStructuredValue, partText,
} from '../mime/parse.ts';

/**
 * Everything the store keeps about a message besides its bytes, computed once
 * at delivery: IMAP's ENVELOPE and BODYSTRUCTURE (so FETCH never re-parses),
 * and for webmail the decoded subject, sender, recipients, a preview and the
 * text that full-text search indexes.
 */
export type MessageSummary = {
  envelope: Envelope;
  bodyStructure: BodyStructure;
  sentDate: Date | null;
  subject: string;
  fromText: string;
  toText: string;
  preview: string;
  hasAttachments: boolean;
  /** Plain text for the full-text index (capped). */
  searchText: string;
};

const SEARCH_TEXT_LIMIT = 200_000;

function addressList(headers: Header[], name: string): AddressEntry[] | null {
  const value = headerValue(headers, name);
  if (!value) return null;
  let parsed: ReturnType<typeof addressparser>;
  try {
    parsed = addressparser(value);
  } catch {
    return null;
  }
  const one = (a: { name?: string; address?: string }) => {
    const addr = a.address ?? '';
    const at = addr.lastIndexOf('@');
    return { name: a.name || null, mailbox: at >= 0 ? addr.slice(0, at) : addr || null, host: at >= 0 ? addr.slice(at + 1) : null };
  };
  const out: AddressEntry[] = [];
  for (const a of parsed as Array<{ name?: string; address?: string; group?: Array<{ name?: string; address?: string }> }>) {
    if (a.group) out.push({ group: a.name ?? '', members: a.group.map(one) });
    else if (a.address || a.name) out.push(one(a));
  }
  return out.length ? out : null;
}

export function envelopeOf(headers: Header[]): Envelope {
  return {
    date: headerValue(headers, 'date'),
    subject: headerValue(headers, 'subject'),
    from: addressList(headers, 'from'),
    sender: addressList(headers, 'sender'),
    replyTo: addressList(headers, 'reply-to'),
    to: addressList(headers, 'to'),
    cc: addressList(headers, 'cc'),
    bcc: addressList(headers, 'bcc'),
    inReplyTo: headerValue(headers, 'in-reply-to'),
    messageId: headerValue(headers, 'message-id'),
  };
}

function countLines(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (raw[i] === 0x0a) n++;
  if (end > start && raw[end - 1] !== 0x0a) n++;
  return n;
}

function bodyStructureOf(raw: Buffer, part: MimePart): BodyStructure {
  const disp = headerValue(part.headers, 'content-disposition');
  const parsedDisp = disp ? parseStructuredValue(disp) : null;
  const language = headerValue(part.headers, 'content-language');
  const ext = {
    disposition: parsedDisp ? { type: parsedDisp.value, parameters: parsedDisp.params.length ? parsedDisp.params : null } : null,
    language: language ? language.split(',').map((s) => s.trim()).filter(Boolean) : null,
    location: headerValue(part.headers, 'content-location'),
  };
  if (part.type === 'multipart' && part.children.length) {
    return { type: 'multipart', subtype: part.subtype, parts: part.children.map((c) => bodyStructureOf(raw, c)), parameters: part.params.length ? part.params : null, ...ext };
  }
  const params = part.params.length ? part.params : part.type === 'text' ? ([['charset', 'us-ascii']] as Array<[string, string]>) : null;
  const single: SinglePart = {
    type: part.type,
    subtype: part.subtype,
    parameters: params,
    id: headerValue(part.headers, 'content-id'),
    description: headerValue(part.headers, 'content-description'),
    encoding: (headerValue(part.headers, 'content-transfer-encoding') ?? '7bit').trim(),
    size: part.end - part.bodyStart,
    md5: headerValue(part.headers, 'content-md5'),
    ...ext,
  };
  if (part.type === 'text') single.lines = countLines(raw, part.bodyStart, part.end);
  if (part.message) {
    single.envelope = envelopeOf(part.message.headers);
    single.body = bodyStructureOf(raw, part.message);
    single.lines = countLines(raw, part.bodyStart, part.end);
  }
  return single;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

function displayAddresses(list: AddressEntry[] | null): string {
  if (!list) return '';
  const flat = list.flatMap((e) => ('group' in e ? e.members : [e]));
  return flat
    .map((a) => {
      const addr = a.mailbox && a.host ? `${a.mailbox}@${a.host}` : a.mailbox ?? '';
      const name = a.name ? decodeWords(a.name) : '';
      return name ? `${name} <${addr}>` : addr;
    })
    .join(', ');
}

function parseDate(v: string | null): Date | null {
  if (!v) return null;
  const d = new Date(v.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function summarise(raw: Buffer, parsed?: MimePart): MessageSummary {
  const root = parsed ?? parseMime(raw);
  const envelope = envelopeOf(root.headers);
  const parts = leaves(root);
  const texts: string[] = [];
  let hasAttachments = false;
  let plainSeen = false;
  for (const p of parts) {
    const isAttachment = fileNameOf(p) !== null || /^attachment/i.test(headerValue(p.headers, 'content-disposition') ?? '');
    if (isAttachment) hasAttachments = true;
    if (p.type !== 'text' || isAttachment) continue;
    if (p.subtype === 'plain') {
      plainSeen = true;
      texts.push(partText(raw, p));
    } else if (p.subtype === 'html' && !plainSeen) texts.push(htmlToText(partText(raw, p)));
  }
  const body = texts.join('\n').replace(/\u0000/g, '');
  const subject = decodeWords(envelope.subject ?? '').replace(/\u0000/g, '');
  const fromText = displayAddresses(envelope.from).replace(/\u0000/g, '');
  const toText = displayAddresses([...(envelope.to ?? []), ...(envelope.cc ?? [])]).replace(/\u0000/g, '');
  return {
    envelope,
    bodyStructure: bodyStructureOf(raw, root),
    sentDate: parseDate(envelope.date),
    subject,
    fromText,
    toText,
    preview: body.replace(/\s+/g, ' ').trim().slice(0, 200),
    hasAttachments,
    searchText: `${subject}\n${fromText}\n${toText}\n${body}`.slice(0, SEARCH_TEXT_LIMIT),
  };
}
