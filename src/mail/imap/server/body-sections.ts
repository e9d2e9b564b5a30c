/**
 * BODY[section] and BINARY[part] (RFC 3501 6.4.5, RFC 3516) cut from the
 * stored bytes with the MIME walk's byte ranges; nothing is re-encoded, so a
 * client gets back exactly the octets that were delivered.
 *
 * A message appended as a literal8 (BINARY) may hold NUL bytes in a part whose
 * transfer encoding is binary. Only BINARY[...] answers may carry them (as
 * ~{N}); the BODY[...] and RFC822 views show each NUL as 0x80, as Dovecot
 * does, which keeps every size and offset equal to RFC822.SIZE's count.
 */
import { headerValue, parseMime, type MimePart } from '../../mime/parse.ts';
import { ImapParseError, type BodySection } from '../protocol/index.ts';

/** Transfer encodings BINARY[] can undo, or needs not to. */
const KNOWN_CTE = new Set(['', '7bit', '8bit', 'binary', 'base64', 'quoted-printable']);

/** The part a section's numbers name, or null when the message has no such part. */
function findPart(root: MimePart, path: number[]): MimePart | null {
  let node: MimePart = root;
  for (const n of path) {
    const container = node.type === 'message' && node.message && node !== root ? node.message : node;
    if (container.type === 'multipart') {
      const child = container.children[n - 1];
      if (!child) return null;
      node = child;
    } else if (n === 1) {
      node = container;
    } else return null;
  }
  return node;
}

/** The enclosed message a HEADER/TEXT specifier refers to: the whole message, or a message/rfc822 part's content. */
function messageOf(root: MimePart, node: MimePart, path: number[]): MimePart | null {
  if (path.length === 0) return root;
  return node.type === 'message' && node.message ? node.message : null;
}

function headerFields(block: Buffer, fields: string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const text = block.toString('latin1');
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let keep = false;
  for (const line of lines) {
    if (line === '\r\n' || line === '\n') break;
    if (line[0] === ' ' || line[0] === '\t') {
      if (keep) out.push(line);
      continue;
    }
    const colon = line.indexOf(':');
    const name = (colon > 0 ? line.slice(0, colon) : line).trim().toLowerCase();
    keep = wanted.has(name) !== not;
    if (keep) out.push(line);
  }
  out.push('\r\n');
  return Buffer.from(out.join(''), 'latin1');
}

export class MessageParts {
  private tree: MimePart | null = null;
  private text: Buffer | null = null;

  constructor(private readonly stored: Buffer) {}

  private get root(): MimePart {
    return (this.tree ??= parseMime(this.stored));
  }

  /** The whole message as a plain literal may carry it (RFC822, BODY[]). */
  get raw(): Buffer {
    return (this.text ??= withoutNul(this.stored));
  }

  /** The octets of a section; null for a part that does not exist (sent as NIL... or empty, per client expectations). */
  section(section: BodySection): Buffer {
    const { part, specifier } = section;
    if (part.length === 0 && !specifier) return this.raw;
    return withoutNul(this.storedSection(section));
  }

  private storedSection(section: BodySection): Buffer {
    const { part, specifier } = section;
    const root = this.root;
    const node = findPart(root, part);
    if (!node) return Buffer.alloc(0);
    if (!specifier) return this.stored.subarray(node.bodyStart, node.end);
    if (specifier === 'MIME') return this.stored.subarray(node.start, node.bodyStart);
    const msg = messageOf(root, node, part);
    if (!msg) return Buffer.alloc(0);
    if (specifier === 'TEXT') return this.stored.subarray(msg.bodyStart, msg.end);
    const header = this.stored.subarray(msg.start, msg.bodyStart);
    if (specifier === 'HEADER') return header;
    return headerFields(header, section.fields ?? [], specifier === 'HEADER.FIELDS.NOT');
  }

  /**
   * BINARY[part]: the part's content with its transfer encoding undone, NUL
   * bytes and all. An encoding we cannot undo is NO [UNKNOWN-CTE] (RFC 3516 4.3).
   */
  binary(part: number[]): Buffer {
    if (part.length === 0) return this.stored;
    const node = findPart(this.root, part);
    if (!node) return Buffer.alloc(0);
    const body = this.stored.subarray(node.bodyStart, node.end);
    const cte = (headerValue(node.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
    if (!KNOWN_CTE.has(cte)) {
      throw new ImapParseError(`Part ${part.join('.')} has the transfer encoding ${cte.slice(0, 40)}, which this server cannot decode`, { status: 'NO', code: 'UNKNOWN-CTE' });
    }
    if (cte === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
    return body;
  }
}

/** A copy with each NUL as 0x80 when there is one; the same buffer otherwise. */
function withoutNul(bytes: Buffer): Buffer {
  if (!bytes.includes(0)) return bytes;
  const copy = Buffer.from(bytes);
  for (let i = copy.indexOf(0); i !== -1; i = copy.indexOf(0, i + 1)) copy[i] = 0x80;
  return copy;
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const s = body.toString('latin1').replace(/=\r?\n/g, '');
  const out = Buffer.alloc(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out[n++] = parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = s.charCodeAt(i) & 0xff;
  }
  return out.subarray(0, n);
}

export function partial(data: Buffer, range: { offset: number; length: number } | undefined): Buffer {
  if (!range) return data;
  return data.subarray(Math.min(range.offset, data.length), Math.min(range.offset + range.length, data.length));
}
