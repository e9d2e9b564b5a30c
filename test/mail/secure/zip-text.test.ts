import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deflateRawSync } from 'node:zlib';
import { extractZipEntry, DEFAULT_MAX_ENTRY_BYTES } from '../../../src/mail/secure/zip-text.ts';
import { buildZip } from './zip-builder.ts';

const stored = 'Stored entry text: 943 476 5919';
const deflated = 'Deflated entry '.repeat(200);
const sample = buildZip([
  { name: 'a/stored.txt', data: stored },
  { name: 'word/document.xml', data: deflated, method: 'deflate' },
  { name: 'empty.txt', data: '' },
  { name: 'empty-deflated.txt', data: '', method: 'deflate' },
]);

test('extracts stored and deflated entries by exact name', () => {
  assert.equal(extractZipEntry(sample, 'a/stored.txt')?.toString(), stored);
  assert.equal(extractZipEntry(sample, 'word/document.xml')?.toString(), deflated);
  assert.equal(extractZipEntry(sample, 'empty.txt')?.length, 0);
  assert.equal(extractZipEntry(sample, 'empty-deflated.txt')?.length, 0);
  assert.equal(extractZipEntry(new Uint8Array(sample), 'a/stored.txt')?.toString(), stored);
});

test('names: missing, case and options', () => {
  assert.equal(extractZipEntry(sample, 'missing.xml'), null);
  assert.equal(extractZipEntry(sample, 'WORD/Document.XML'), null);
  assert.equal(extractZipEntry(sample, 'WORD/Document.XML', { ignoreCase: true })?.toString(), deflated);
  assert.equal(extractZipEntry(sample, ''), null);
  assert.equal(extractZipEntry(sample, 'stored.txt'), null);
});

test('a zip with an archive comment still opens', () => {
  const z = buildZip([{ name: 'x.txt', data: 'hello' }], 'comment with PK\x05\x06 inside');
  assert.equal(extractZipEntry(z, 'x.txt')?.toString(), 'hello');
});

test('size limits and zip bombs', () => {
  const big = Buffer.alloc(DEFAULT_MAX_ENTRY_BYTES + 1);
  const bomb = buildZip([{ name: 'word/document.xml', data: big, method: 'deflate' }]);
  assert.ok(bomb.length < 100_000, 'the test bomb compresses well');
  assert.equal(extractZipEntry(bomb, 'word/document.xml'), null);
  assert.equal(extractZipEntry(bomb, 'word/document.xml', { maxUncompressedBytes: big.length })?.length, big.length);
  assert.equal(extractZipEntry(sample, 'word/document.xml', { maxUncompressedBytes: 10 }), null);
  assert.equal(extractZipEntry(sample, 'word/document.xml', { maxUncompressedBytes: Number.NaN }), null);
  // The header claims 100 bytes but the stream inflates to much more: refused without
  // inflating the rest.
  const liar = buildZip([{ name: 'x', data: Buffer.alloc(1_000_000), method: 'deflate', declaredUncompressedSize: 100 }]);
  assert.equal(extractZipEntry(liar, 'x'), null);
  const shortLiar = buildZip([{ name: 'x', data: 'abc', method: 'deflate', declaredUncompressedSize: 10 }]);
  assert.equal(extractZipEntry(shortLiar, 'x'), null);
});

function patchCentral(zip: Buffer, field: number, write: (b: Buffer, at: number) => void): Buffer {
  const copy = Buffer.from(zip);
  const cd = copy.readUInt32LE(copy.length - 22 + 16);
  write(copy, cd + field);
  return copy;
}

test('refuses encrypted, unknown methods, ZIP64 markers and duplicate names', () => {
  const one = buildZip([{ name: 'x', data: 'secret' }]);
  assert.equal(extractZipEntry(one, 'x')?.toString(), 'secret');
  assert.equal(extractZipEntry(buildZip([{ name: 'x', data: 'secret', flags: 1 }]), 'x'), null);
  assert.equal(extractZipEntry(patchCentral(one, 10, (b, at) => b.writeUInt16LE(12, at)), 'x'), null); // bzip2
  assert.equal(extractZipEntry(patchCentral(one, 24, (b, at) => b.writeUInt32LE(0xffffffff, at)), 'x'), null);
  assert.equal(extractZipEntry(patchCentral(one, 42, (b, at) => b.writeUInt32LE(0xffffff, at)), 'x'), null); // offset out of range
  assert.equal(extractZipEntry(patchCentral(one, 16, (b, at) => b.writeUInt32LE(0, at)), 'x'), null); // CRC
  const dup = buildZip([{ name: 'x', data: 'one' }, { name: 'x', data: 'two' }]);
  assert.equal(extractZipEntry(dup, 'x'), null);
  const dupCase = buildZip([{ name: 'word/document.xml', data: 'one' }, { name: 'Word/Document.xml', data: 'two' }]);
  assert.equal(extractZipEntry(dupCase, 'word/document.xml')?.toString(), 'one');
  assert.equal(extractZipEntry(dupCase, 'word/document.xml', { ignoreCase: true }), null);
});

test('every truncation of a valid zip returns null', () => {
  for (let len = 0; len < sample.length; len++) {
    assert.equal(extractZipEntry(sample.subarray(0, len), 'word/document.xml'), null, `length ${len}`);
  }
});

test('property: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('x', 'word/document.xml'), (bytes, name) => {
      const r = extractZipEntry(bytes, name);
      assert.ok(r === null || Buffer.isBuffer(r));
    }),
    { numRuns: 3000 },
  );
});

test('property: random garbage in front of a real directory never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffff }), (junk, offset, count) => {
      const eocd = Buffer.alloc(22);
      eocd.writeUInt32LE(0x06054b50, 0);
      eocd.writeUInt16LE(count, 8);
      eocd.writeUInt16LE(count, 10);
      eocd.writeUInt32LE(Math.min(junk.length, 0xffffffff), 12);
      eocd.writeUInt32LE(offset % (junk.length + 1), 16);
      const r = extractZipEntry(Buffer.concat([junk, eocd]), 'x');
      assert.ok(r === null || Buffer.isBuffer(r));
    }),
    { numRuns: 3000 },
  );
});

test('property: corrupting bytes of a valid zip gives null or the exact original content', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: sample.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.constantFrom('a/stored.txt', 'word/document.xml'),
      (flips, name) => {
        const z = Buffer.from(sample);
        for (const [at, xor] of flips) z[at] ^= xor;
        const r = extractZipEntry(z, name);
        const expected = name === 'a/stored.txt' ? stored : deflated;
        assert.ok(r === null || r.toString() === expected);
      },
    ),
    { numRuns: 3000 },
  );
});

test('corrupt deflate streams return null', () => {
  const data = deflateRawSync(Buffer.from('hello world'));
  for (let i = 0; i < data.length; i++) {
    const broken = Buffer.from(data);
    broken[i] ^= 0xff;
    const z = buildZip([{ name: 'x', data: 'hello world', method: 'deflate' }]);
    z.set(broken, 30 + 1); // local header (30) + name "x" (1)
    const r = extractZipEntry(z, 'x');
    assert.ok(r === null || r.toString() === 'hello world');
  }
});
