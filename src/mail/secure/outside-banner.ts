import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { headerValue, leaves, parseHeaders, parseMime, partText, type MimePart } from '../mime/parse.ts';
import { loadClassifyContext } from './accredited-domains.ts';
import { classifyRecipient } from './domain-class.ts';
import { getAlertLevel } from './national-settings.ts';

/**
 * The outside banner (SPEC 7): mail from outside the service, not from an
 * accredited domain, gets a warning at the top of its text and HTML parts
 * when the national alert level is High, at the bottom when Reduced.
 *
 * Adding it changes the body, which breaks the sender's DKIM signature for
 * anyone who checks it afterwards. So it is added only at local delivery,
 * after the MX has verified DKIM on the original bytes and written the result
 * in Authentication-Results: the header on the stored message is the record
 * of what the original said. A part is rewritten as UTF-8 base64, whatever
 * its transfer encoding was; every other part keeps its bytes.
 */
export const BANNER_TEXT =
  'This message originated from outside Caremail. Do not open links or attachments, or reply with personal or patient information, unless you know the sender and were expecting it.';
export const BANNER_HEADER = 'X-Caremail-Outside-Banner';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const bannerHtml = () =>
  `<div style="border:2px solid #d5281b;background:#fff9c4;color:#212b32;padding:8px 12px;margin:8px 0;font-family:Arial,sans-serif;font-size:14px" role="note">` +
  `<strong>CAUTION:</strong> ${escapeHtml(BANNER_TEXT)}</div>`;

function withTextBanner(text: string, position: 'top' | 'bottom'): string {
  const line = `CAUTION: ${BANNER_TEXT}`;
  return position === 'top' ? `${line}\r\n\r\n${text}` : `${text.replace(/\s+$/, '')}\r\n\r\n${line}\r\n`;
}

function withHtmlBanner(html: string, position: 'top' | 'bottom'): string {
  if (position === 'top') {
    const m = /<body\b[^>]*>/i.exec(html);
    return m ? html.slice(0, m.index + m[0].length) + bannerHtml() + html.slice(m.index + m[0].length) : bannerHtml() + html;
  }
  const close = html.search(/<\/body\s*>/i);
  return close >= 0 ? html.slice(0, close) + bannerHtml() + html.slice(close) : html + bannerHtml();
}

function base64Lines(s: string): string {
  return (Buffer.from(s, 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function isInlineText(p: MimePart): boolean {
  if (p.type !== 'text' || (p.subtype !== 'plain' && p.subtype !== 'html')) return false;
  const disposition = (headerValue(p.headers, 'content-disposition') ?? '').trim().toLowerCase();
  return !disposition.startsWith('attachment');
}

const PLAIN_ENCODINGS = new Set(['', '7bit', '8bit', 'binary']);

/** Can the banner (ASCII) go into this part's bytes as they are, without decoding? */
function insertableAsIs(p: MimePart): boolean {
  const cte = (headerValue(p.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = (p.params.find(([k]) => k.toLowerCase() === 'charset')?.[1] ?? 'us-ascii').toLowerCase();
  return PLAIN_ENCODINGS.has(cte) && !/^(utf-16|utf-32|ucs-2|utf-7)/.test(charset);
}

/**
 * The message with the banner in every inline text/plain and text/html part
 * (pure; for tests and the delivery hook). A part in 7bit/8bit gets the banner
 * inserted into its bytes, so nothing else of it changes; a base64 or
 * quoted-printable part is decoded and written again as UTF-8 base64.
 */
export function addBanner(raw: Buffer, position: 'top' | 'bottom', parsed?: MimePart): Buffer {
  const root = parsed ?? parseMime(raw);
  const targets = leaves(root).filter(isInlineText);
  if (!targets.length) return raw;
  // From the last part backwards, so earlier byte offsets stay valid.
  let out = raw;
  for (const p of [...targets].sort((a, b) => b.start - a.start)) {
    const isRoot = p === root;
    let replacement: Buffer;
    if (insertableAsIs(p)) {
      const body = out.subarray(p.bodyStart, p.end).toString('latin1');
      const changed = p.subtype === 'html' ? withHtmlBanner(body, position) : withTextBanner(body, position);
      replacement = Buffer.concat([out.subarray(p.start, p.bodyStart), Buffer.from(changed, 'latin1')]);
    } else {
      const text = partText(out, p);
      const changed = p.subtype === 'html' ? withHtmlBanner(text, position) : withTextBanner(text, position);
      const headerText = out.subarray(p.start, p.bodyStart).toString('latin1');
      const fields = headerText.split(/\r?\n(?![ \t])/).filter((f) => f.trim() !== '' && !/^content-(type|transfer-encoding)\s*:/i.test(f));
      fields.push(`Content-Type: text/${p.subtype}; charset=utf-8`, 'Content-Transfer-Encoding: base64');
      replacement = Buffer.from(`${fields.join('\r\n')}\r\n\r\n${base64Lines(changed)}${isRoot ? '\r\n' : ''}`, 'latin1');
    }
    out = Buffer.concat([out.subarray(0, p.start), replacement, out.subarray(p.end)]);
  }
  return Buffer.concat([Buffer.from(`${BANNER_HEADER}: ${position}\r\n`, 'latin1'), out]);
}

function fromDomainOf(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.toString('utf8', 0, end >= 0 ? end : Math.min(raw.length, 256 * 1024)));
  const from = headerValue(headers, 'from') ?? '';
  const m = /<([^<>]+)>\s*$/.exec(from) ?? /([^\s<>,;]+@[^\s<>,;]+)/.exec(from);
  return m ? m[1].trim() : null;
}

/**
 * The local-delivery hook, prepared once per delivery batch (one read of the
 * alert level and the accredited list): adds the banner to mail that came in
 * from the internet (queue origin 'mx') unless its From is in an accredited
 * domain (or ours, which only reaches delivery after passing anti-spoofing).
 */
export async function prepareOutsideBanner(trx: Kysely<DB>, localDomains: string[]): Promise<(raw: Buffer, origin: string, parsed?: MimePart) => Buffer> {
  const ctx = await loadClassifyContext(trx, localDomains);
  const position = (await getAlertLevel(trx)) === 'high' ? 'top' : 'bottom';
  return (raw, origin, parsed) => {
    if (origin !== 'mx') return raw;
    // No "already has a banner" shortcut: a sender could add the marker header to skip it.
    const from = fromDomainOf(raw);
    if (from && classifyRecipient(from, ctx) !== 'non-secure') return raw;
    return addBanner(raw, position, parsed);
  };
}

/** The same for one message. */
export async function addOutsideBanner(trx: Kysely<DB>, raw: Buffer, o: { origin: string; localDomains: string[] }): Promise<Buffer> {
  if (o.origin !== 'mx') return raw;
  return (await prepareOutsideBanner(trx, o.localDomains))(raw, o.origin);
}
