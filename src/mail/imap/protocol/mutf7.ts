/**
 * Modified UTF-7 mailbox names (RFC 3501 5.1.3).
 *
 * IMAP4rev1 clients that have not enabled UTF8=ACCEPT send names this way; the
 * store keeps names as plain Unicode, so conversion happens at the protocol edge.
 */
import { ImapParseError } from './errors.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function encodeRun(units: number[]): string {
  let out = '&';
  let bits = 0;
  let acc = 0;
  for (const u of units) {
    for (const byte of [u >> 8, u & 0xff]) {
      acc = (acc << 8) | byte;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += B64[(acc >> bits) & 0x3f];
      }
      acc &= (1 << bits) - 1;
    }
  }
  if (bits > 0) out += B64[(acc << (6 - bits)) & 0x3f];
  return `${out}-`;
}

/** Unicode name to the form an IMAP4rev1 client expects. Total: never fails. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const u = name.charCodeAt(i);
    if (isPrintableAscii(u)) {
      if (run.length) {
        out += encodeRun(run);
        run = [];
      }
      out += u === 0x26 ? '&-' : name[i];
    } else {
      run.push(u);
    }
  }
  if (run.length) out += encodeRun(run);
  return out;
}

function decodeRun(b64: string, whole: string): string {
  let acc = 0;
  let bits = 0;
  const bytes: number[] = [];
  for (const c of b64) {
    const v = B64_INDEX.get(c);
    if (v === undefined) throw bad(whole, `${JSON.stringify(c)} is not allowed in an encoded section`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6 || (acc & ((1 << bits) - 1)) !== 0) throw bad(whole, 'an encoded section has stray bits');
  if (bytes.length % 2 !== 0) throw bad(whole, 'an encoded section is not whole UTF-16');
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    const u = (bytes[i] << 8) | bytes[i + 1];
    if (isPrintableAscii(u)) throw bad(whole, 'printable ASCII must not be encoded');
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 3 < bytes.length ? (bytes[i + 2] << 8) | bytes[i + 3] : -1;
      if (next < 0xdc00 || next > 0xdfff) throw bad(whole, 'unpaired UTF-16 surrogate');
      out += String.fromCharCode(u, next);
      i += 2;
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) throw bad(whole, 'unpaired UTF-16 surrogate');
    out += String.fromCharCode(u);
  }
  return out;
}

function bad(whole: string, why: string): ImapParseError {
  const shown = whole.length > 60 ? `${whole.slice(0, 60)}...` : whole;
  return new ImapParseError(`Mailbox name ${JSON.stringify(shown)} is not valid modified UTF-7: ${why}`);
}

/**
 * Wire name to Unicode. Raw non-ASCII characters pass through unchanged, so a
 * client that sends UTF-8 without enabling UTF8=ACCEPT still gets what it meant.
 */
export function decodeMailboxName(wire: string): string {
  if (!wire.includes('&') && !/[\x00-\x1f\x7f]/.test(wire)) return wire;
  let out = '';
  let i = 0;
  let afterRun = false;
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw bad(wire, 'control characters must be encoded');
    if (c !== 0x26) {
      out += wire[i];
      i++;
      afterRun = false;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw bad(wire, '"&" section is not closed with "-"');
    if (end === i + 1) {
      out += '&';
      afterRun = false;
    } else {
      // RFC 3501 5.1.3 forbids "&U,BTFw-&ZeVnLIqe-": one run must be one section
      if (afterRun) throw bad(wire, 'two encoded sections in a row');
      out += decodeRun(wire.slice(i + 1, end), wire);
      afterRun = true;
    }
    i = end + 1;
  }
  return out;
}

/** True when the text is already canonical modified UTF-7 (what a careful client sends). */
export function isValidMailboxUtf7(wire: string): boolean {
  try {
    return encodeMailboxName(decodeMailboxName(wire)) === wire;
  } catch (e) {
    if (e instanceof ImapParseError) return false;
    throw e;
  }
}
