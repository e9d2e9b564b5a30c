/**
 * A MIME walk over the raw bytes: headers, content types and the byte range of
 * every part, without decoding bodies. The store computes ENVELOPE and
 * BODYSTRUCTURE from it once at delivery; delivery uses the byte ranges to cut
 * out blocked attachments without touching the rest of the message.
 * Tolerant by design: bare LF, missing boundaries and odd headers give a
 * best-effort tree, never an exception.
 */
import { isUtf8 } from 'node:buffer';

export type Header = { name: string; value: string };

export type MimePart = {
  headers: Header[];
  /** Byte offsets in the raw message: the part starts at `start`, its body at `bodyStart`, both end at `end`. */
  start: number;
  bodyStart: number;
  end: number;
  type: string;
  subtype: string;
  params: Array<[string, string]>;
  children: MimePart[];
  /** The enclosed message of a message/rfc822 part. */
  message?: MimePart;
};

const MAX_DEPTH = 20;
const MAX_PARTS = 2000;

export function headerValue(headers: Header[], name: string): string | null {
  const n = name.toLowerCase();
  const h = headers.find((x) => x.name.toLowerCase() === n);
  return h ? h.value : null;
}

/** Where the header block ends and the body begins (bare LF tolerated). */
function splitHeader(raw: Buffer, start: number, end: number): { headerEnd: number; bodyStart: number } {
  for (let i = start; i < end; i++) {
    if (raw[i] !== 0x0a) continue;
    if (i === start) return { headerEnd: start, bodyStart: i + 1 };
    if (raw[i + 1] === 0x0a) return { headerEnd: i + 1, bodyStart: i + 2 };
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return { headerEnd: i + 1, bodyStart: i + 3 };
  }
  // Starts with an empty line: no headers at all.
  if (raw[start] === 0x0d && raw[start + 1] === 0x0a) return { headerEnd: start, bodyStart: start + 2 };
  return { headerEnd: end, bodyStart: end };
}

export function parseHeaders(text: string): Header[] {
  const out: Header[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length) {
      out[out.length - 1].value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

/** `type/subtype; a=b; c="d"` with RFC 2231 continuations and charsets decoded. */
export function parseStructuredValue(value: string | null): { value: string; params: Array<[string, string]> } {
  if (!value) return { value: '', params: [] };
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    if (c === '\\' && quoted && i + 1 < value.length) {
      cur += value[++i];
      continue;
    }
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const main = parts.shift()!.trim();
  const simple: Array<[string, string]> = [];
  const continued = new Map<string, Array<{ n: number; v: string; encoded: boolean }>>();
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    const m = /^([^*]+)\*(?:(\d+)\*?|)$/.exec(key);
    if (m && key.includes('*')) {
      const list = continued.get(m[1].toLowerCase()) ?? [];
      list.push({ n: Number(m[2] ?? 0), v, encoded: key.endsWith('*') });
      continued.set(m[1].toLowerCase(), list);
    } else simple.push([key, v]);
  }
  for (const [name, list] of continued) {
    list.sort((a, b) => a.n - b.n);
    let charset = 'utf-8';
    const bytes: number[] = [];
    list.forEach((seg, i) => {
      let v = seg.v;
      if (seg.encoded && i === 0) {
        const q = /^([^']*)'[^']*'(.*)$/.exec(v);
        if (q) {
          charset = q[1] || 'utf-8';
          v = q[2];
        }
      }
      if (seg.encoded) v.replace(/%([0-9a-f]{2})|([^%])/gi, (_m, hex: string | undefined, ch: string | undefined) => {
        if (hex) bytes.push(parseInt(hex, 16));
        else bytes.push(...Buffer.from(ch!, 'utf8'));
        return '';
      });
      else bytes.push(...Buffer.from(v, 'utf8'));
    });
    simple.push([name, decodeCharset(Buffer.from(bytes), charset)]);
  }
  return { value: main, params: simple };
}

export function decodeCharset(buf: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(buf);
  } catch {
    return buf.toString('utf8');
  }
}

export function paramValue(params: Array<[string, string]>, name: string): string | null {
  const n = name.toLowerCase();
  const p = params.find(([k]) => k.toLowerCase() === n);
  return p ? p[1] : null;
}

type Budget = { parts: number };

function parsePart(raw: Buffer, start: number, end: number, depth: number, budget: Budget, defaultType = 'text/plain'): MimePart {
  budget.parts++;
  const { headerEnd, bodyStart } = splitHeader(raw, start, end);
  // RFC 6532 allows raw UTF-8 in header fields; any other 8-bit bytes are kept one character per byte
  const headerBytes = raw.subarray(start, headerEnd);
  const headers = parseHeaders(headerBytes.toString(isUtf8(headerBytes) ? 'utf8' : 'latin1'));
  const ct = parseStructuredValue(headerValue(headers, 'content-type'));
  let [type, subtype] = (ct.value || defaultType).toLowerCase().split('/', 2);
  if (!type || !subtype) [type, subtype] = defaultType.split('/');
  const part: MimePart = { headers, start, bodyStart, end, type, subtype, params: ct.params, children: [] };
  if (depth >= MAX_DEPTH || budget.parts > MAX_PARTS) return part;
  if (type === 'multipart') {
    const boundary = paramValue(ct.params, 'boundary');
    if (boundary) {
      const childDefault = subtype === 'digest' ? 'message/rfc822' : 'text/plain';
      for (const [s, e] of splitMultipart(raw, bodyStart, end, boundary)) {
        part.children.push(parsePart(raw, s, e, depth + 1, budget, childDefault));
      }
    }
  } else if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    const cte = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
    if (cte === '7bit' || cte === '8bit' || cte === 'binary') part.message = parsePart(raw, bodyStart, end, depth + 1, budget);
  }
  return part;
}

/** Byte ranges of the body parts between `--boundary` lines (the line break before a delimiter belongs to it). */
function splitMultipart(raw: Buffer, start: number, end: number, boundary: string): Array<[number, number]> {
  const delim = Buffer.from('--' + boundary, 'latin1');
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const idx = raw.indexOf(delim, pos);
    if (idx < 0 || idx >= end) break;
    const atLineStart = idx === start || raw[idx - 1] === 0x0a;
    const after = idx + delim.length;
    if (!atLineStart) {
      pos = after;
      continue;
    }
    const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d;
    if (partStart >= 0) {
      let partEnd = idx;
      if (raw[partEnd - 1] === 0x0a) partEnd--;
      if (raw[partEnd - 1] === 0x0d) partEnd--;
      ranges.push([partStart, Math.max(partStart, partEnd)]);
    }
    let lineEnd = raw.indexOf(0x0a, after);
    if (lineEnd < 0 || lineEnd >= end) lineEnd = end - 1;
    if (closing) return ranges;
    partStart = lineEnd + 1;
    pos = partStart;
  }
  // No closing delimiter: what follows the last delimiter is still a part.
  if (partStart >= 0 && partStart < end) ranges.push([partStart, end]);
  return ranges;
}

export function parseMime(raw: Buffer): MimePart {
  return parsePart(raw, 0, raw.length, 0, { parts: 0 });
}

/** Leaf parts in document order (multiparts opened, enclosed messages not). */
export function leaves(part: MimePart): MimePart[] {
  if (part.type === 'multipart' && part.children.length) return part.children.flatMap(leaves);
  return [part];
}

export function fileNameOf(part: MimePart): string | null {
  const disp = parseStructuredValue(headerValue(part.headers, 'content-disposition'));
  const name = paramValue(disp.params, 'filename') ?? paramValue(part.params, 'name');
  return name ? decodeWords(name) : null;
}

/** RFC 2047 encoded words (=?charset?B|Q?text?=) to text, for display and search only. */
export function decodeWords(s: string): string {
  return s
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([bq])\?([^?]*)\?=/gi, (_m, charset: string, enc: string, text: string) => {
      const bytes = enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : qpBytes(text.replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    });
}

function qpBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9a-f]{2}$/i.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

/** A part's body decoded from its transfer encoding and charset, for search and previews. */
export function partText(raw: Buffer, part: MimePart): string {
  const body = raw.subarray(part.bodyStart, part.end);
  const cte = (headerValue(part.headers, 'content-transfer-encoding') ?? '').toLowerCase().trim();
  let bytes: Buffer = body;
  if (cte === 'base64') bytes = Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (cte === 'quoted-printable') bytes = qpBytes(body.toString('latin1').replace(/=\r?\n/g, ''));
  return decodeCharset(bytes, paramValue(part.params, 'charset') ?? 'utf-8');
}
