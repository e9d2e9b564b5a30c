import { fileNameOf, leaves, type MimePart, parseMime } from '../mime/parse.ts';

/**
 * Attachments of blocked types (by file-name extension, the setting
 * CAREMAIL_BLOCKED_EXTENSIONS) are cut out of the message on delivery and a
 * short text part put in their place, saying what was removed and why. The
 * rest of the message stays byte for byte as it was.
 */
export type Removal = { raw: Buffer; removed: string[] };

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? name.slice(dot + 1).toLowerCase().trim() : '';
}

export function noticeText(names: string[]): string {
  return [
    `Caremail removed ${names.length === 1 ? 'an attachment' : `${names.length} attachments`} from this message: ${names.join(', ')}.`,
    '',
    'Files of this type can run programs or macros, and are a common way to spread harmful software,',
    'so they are not delivered. If you need the file, ask the sender to share it another way',
    '(for example as a PDF, or through a shared drive your organisation trusts).',
  ].join('\r\n');
}

function noticePart(names: string[]): string {
  return [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Content-Disposition: inline',
    'Content-Description: Attachment removed by Caremail',
    '',
    noticeText(names),
  ].join('\r\n');
}

/** `parsed`, when given, is `parseMime(raw)` already made by the caller (delivery parses each message once). */
export function removeBlockedAttachments(raw: Buffer, blockedExtensions: string[], parsed?: MimePart): Removal {
  if (!blockedExtensions.length) return { raw, removed: [] };
  const blocked = new Set(blockedExtensions.map((e) => e.toLowerCase().replace(/^\./, '')));
  const root = parsed ?? parseMime(raw);
  const hits: Array<{ part: MimePart; name: string }> = [];
  for (const p of leaves(root)) {
    const name = fileNameOf(p);
    if (name && blocked.has(extensionOf(name))) hits.push({ part: p, name });
  }
  if (!hits.length) return { raw, removed: [] };
  const names = hits.map((h) => h.name);
  if (hits.length === 1 && hits[0].part === root) {
    // The whole message is the attachment: keep its headers apart from the content ones, replace the body.
    const headerText = raw.toString('latin1', 0, root.bodyStart);
    const kept = headerText
      .split(/\r?\n(?![ \t])/)
      .filter((h) => h && !/^content-/i.test(h))
      .join('\r\n');
    return { raw: Buffer.from(`${kept}\r\n${noticePart(names)}\r\n`, 'utf8'), removed: names };
  }
  // Cut from the last part to the first so earlier offsets stay valid.
  const pieces: Buffer[] = [];
  let cursor = raw.length;
  const ordered = [...hits].sort((a, b) => b.part.start - a.part.start);
  for (const [i, h] of ordered.entries()) {
    pieces.unshift(raw.subarray(h.part.end, cursor));
    // One notice, in place of the first removed part; the others are simply removed.
    const isFirst = i === ordered.length - 1;
    pieces.unshift(Buffer.from(isFirst ? noticePart(names) : `Content-Type: text/plain\r\n\r\n`, 'utf8'));
    cursor = h.part.start;
  }
  pieces.unshift(raw.subarray(0, cursor));
  return { raw: Buffer.concat(pieces), removed: names };
}
