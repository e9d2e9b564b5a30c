// Read ONE named entry out of a ZIP (e.g. word/document.xml from a .docx) for content checks.
//
// Attachments are untrusted, so this reads only what the central directory describes, checks
// every offset against the buffer before using it, caps the inflated size, verifies the CRC
// and returns null for anything it does not fully understand (ZIP64, encryption, multi-disk,
// duplicate names, unusual methods). It never throws and every loop is bounded by the input.

import { crc32, inflateRawSync } from 'node:zlib';

export const DEFAULT_MAX_ENTRY_BYTES = 20 * 1024 * 1024;

export interface ZipEntryOptions {
  /** Largest uncompressed entry accepted (default 20 MiB). */
  maxUncompressedBytes?: number;
  /** Compare names ignoring ASCII case: OOXML part names are case-insensitive. */
  ignoreCase?: boolean;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const EOCD_LEN = 22;
const CEN_LEN = 46;
const LOC_LEN = 30;
const MAX_COMMENT = 0xffff;

const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

function findEocd(buf: Buffer): number {
  const lowest = Math.max(0, buf.length - EOCD_LEN - MAX_COMMENT);
  for (let p = buf.length - EOCD_LEN; p >= lowest; p--) {
    // The comment length must reach exactly to the end, which rejects a signature that merely
    // appears inside the comment or in trailing data.
    if (buf.readUInt32LE(p) === EOCD_SIG && p + EOCD_LEN + buf.readUInt16LE(p + 20) === buf.length) return p;
  }
  return -1;
}

function namesEqual(a: Buffer, b: Buffer, ignoreCase: boolean): boolean {
  if (a.length !== b.length) return false;
  if (!ignoreCase) return a.equals(b);
  for (let i = 0; i < a.length; i++) {
    let x = a[i];
    let y = b[i];
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

interface CentralEntry {
  directoryOffset: number;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

function findCentralEntry(buf: Buffer, wanted: Buffer, ignoreCase: boolean): CentralEntry | null {
  if (buf.length < EOCD_LEN) return null;
  const eocd = findEocd(buf);
  if (eocd < 0) return null;
  const disk = buf.readUInt16LE(eocd + 4);
  const cdDisk = buf.readUInt16LE(eocd + 6);
  const entriesOnDisk = buf.readUInt16LE(eocd + 8);
  const entries = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  // 0xFFFF / 0xFFFFFFFF mean "see ZIP64 record", which no document we scan needs.
  if (disk !== 0 || cdDisk !== 0 || entriesOnDisk !== entries || entries === 0xffff) return null;
  if (cdSize === 0xffffffff || cdOffset === 0xffffffff) return null;
  if (cdOffset + cdSize > eocd) return null;

  let found: CentralEntry | null = null;
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let n = 0; n < entries; n++) {
    if (p + CEN_LEN > end || buf.readUInt32LE(p) !== CEN_SIG) return null;
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const next = p + CEN_LEN + nameLen + extraLen + commentLen;
    if (next > end) return null;
    const name = buf.subarray(p + CEN_LEN, p + CEN_LEN + nameLen);
    if (namesEqual(name, wanted, ignoreCase)) {
      // Two entries with one name is ambiguous: another reader could pick the other one.
      if (found) return null;
      found = {
        directoryOffset: cdOffset,
        flags: buf.readUInt16LE(p + 8),
        method: buf.readUInt16LE(p + 10),
        crc: buf.readUInt32LE(p + 16),
        compressedSize: buf.readUInt32LE(p + 20),
        uncompressedSize: buf.readUInt32LE(p + 24),
        localOffset: buf.readUInt32LE(p + 42),
      };
    }
    p = next;
  }
  return found;
}

function readEntry(buf: Buffer, entry: CentralEntry, wanted: Buffer, ignoreCase: boolean, max: number): Buffer | null {
  if (entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) return null;
  if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff) return null; // ZIP64
  if (entry.uncompressedSize > max) return null;
  const cdOffset = entry.directoryOffset;
  const loc = entry.localOffset;
  if (loc + LOC_LEN > cdOffset || buf.readUInt32LE(loc) !== LOC_SIG) return null;
  const nameLen = buf.readUInt16LE(loc + 26);
  const extraLen = buf.readUInt16LE(loc + 28);
  const dataStart = loc + LOC_LEN + nameLen + extraLen;
  // The local name must agree with the central one, and the data must end before the directory.
  if (!namesEqual(buf.subarray(loc + LOC_LEN, loc + LOC_LEN + nameLen), wanted, ignoreCase)) return null;
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > cdOffset) return null;
  const data = buf.subarray(dataStart, dataEnd);

  let out: Buffer;
  if (entry.method === METHOD_STORED) {
    if (entry.compressedSize !== entry.uncompressedSize) return null;
    out = data;
  } else if (entry.method === METHOD_DEFLATE) {
    // maxOutputLength makes zlib stop at the declared size, so a lying header cannot
    // make us inflate a zip bomb; one byte extra lets us notice the lie.
    out = inflateRawSync(data, { maxOutputLength: entry.uncompressedSize + 1 });
    if (out.length !== entry.uncompressedSize) return null;
  } else {
    return null;
  }
  if ((crc32(out) >>> 0) !== entry.crc) return null;
  return out;
}

/**
 * The uncompressed bytes of the entry named `entryName` (UTF-8, exact path such as
 * "word/document.xml"), or null if it is missing, too large, or anything looks wrong.
 */
export function extractZipEntry(zip: Uint8Array, entryName: string, options: ZipEntryOptions = {}): Buffer | null {
  try {
    if (!(zip instanceof Uint8Array) || typeof entryName !== 'string' || entryName === '') return null;
    const buf = Buffer.isBuffer(zip) ? zip : Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
    const max = options.maxUncompressedBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    if (!Number.isFinite(max) || max < 0) return null;
    const wanted = Buffer.from(entryName, 'utf8');
    const ignoreCase = options.ignoreCase === true;
    const entry = findCentralEntry(buf, wanted, ignoreCase);
    if (!entry) return null;
    return readEntry(buf, entry, wanted, ignoreCase, max);
  } catch {
    // Belt and braces: inflate errors (corrupt or truncated streams) and any bounds slip end here.
    return null;
  }
}
