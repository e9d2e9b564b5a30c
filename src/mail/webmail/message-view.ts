import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { BANNER_HEADER, BANNER_TEXT } from '../secure/outside-banner.ts';

/**
 * What the reader sees of a stored message: decoded headers, the plain and
 * HTML bodies (the HTML still dirty: the frame route cleans it), the
 * attachments (numbered in the order they appear, which is how they are
 * downloaded), the Authentication-Results that inbound checks recorded, and
 * whether delivery added the "originated from outside" banner (secure
 * messaging marks it with its BANNER_HEADER); the page repeats it above the
 * message, where it cannot be missed.
 */
export type Address = { name: string; address: string };
export type AttachmentInfo = { index: number; filename: string; contentType: string; size: number };

export type MessageView = {
  subject: string;
  from: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  date: Date | null;
  messageId: string | null;
  references: string[];
  text: string;
  html: string | null;
  attachments: AttachmentInfo[];
  authenticationResults: string[];
  externalBanner: string | null;
};

function addresses(v: AddressObject | AddressObject[] | undefined): Address[] {
  if (!v) return [];
  return ([] as AddressObject[]).concat(v).flatMap((o) =>
    o.value.flatMap((a) => (a.group ? a.group : [a])).map((a) => ({ name: a.name ?? '', address: (a.address ?? '').toLowerCase() })),
  ).filter((a) => a.address || a.name);
}

function headerLines(parsed: ParsedMail, name: string): string[] {
  return parsed.headerLines.filter((h) => h.key === name).map((h) => h.line.slice(h.line.indexOf(':') + 1).replace(/\s+/g, ' ').trim());
}

export async function parseForReading(raw: Buffer): Promise<{ view: MessageView; parsed: ParsedMail }> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  const refs = parsed.references ? ([] as string[]).concat(parsed.references) : [];
  const external = headerLines(parsed, BANNER_HEADER.toLowerCase());
  const view: MessageView = {
    subject: parsed.subject ?? '',
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    bcc: addresses(parsed.bcc),
    replyTo: addresses(parsed.replyTo),
    date: parsed.date ?? null,
    messageId: parsed.messageId ?? null,
    references: refs,
    text: parsed.text ?? '',
    html: parsed.html || null,
    attachments: parsed.attachments.map((a, i) => ({
      index: i + 1,
      filename: a.filename || (a.contentType === 'message/rfc822' ? 'message.eml' : `attachment-${i + 1}`),
      contentType: a.contentType,
      size: a.size,
    })),
    authenticationResults: headerLines(parsed, 'authentication-results'),
    externalBanner: external.length ? BANNER_TEXT : null,
  };
  return { view, parsed };
}

/** One attachment's bytes, by its 1-based number in the message. */
export async function attachmentOf(raw: Buffer, index: number): Promise<{ filename: string; contentType: string; content: Buffer } | null> {
  const { view, parsed } = await parseForReading(raw);
  const a = parsed.attachments[index - 1];
  const info = view.attachments[index - 1];
  if (!a || !info) return null;
  return { filename: info.filename, contentType: a.contentType || 'application/octet-stream', content: a.content };
}

export function formatAddress(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}
