import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import {
  codeMatches,
  EnvelopeError,
  hashCode,
  newCodeSalt,
  newOneTimeCode,
  openMessage,
  rewrapMessageKey,
  sealedFromJson,
  sealedToJson,
  sealMessage,
  serviceKeyFromBase64,
  type SealedMessage,
  type ServiceKey,
} from '../../../src/mail/secure/envelope-crypto.ts';

const k1: ServiceKey = { id: '2025-01', key: randomBytes(32) };
const k2: ServiceKey = { id: '2025-07', key: randomBytes(32) };
const ring = [k1, k2];
const body = Buffer.from('Subject: [secure] Discharge\r\n\r\nNHS 943 476 5919\r\n');

function expectEnvelopeError(fn: () => unknown, code: string) {
  assert.throws(fn, (err: unknown) => err instanceof EnvelopeError && err.code === code);
}

test('round trip, with a Map or list keyring', () => {
  const sealed = sealMessage(body, k1);
  assert.equal(sealed.keyId, '2025-01');
  assert.equal(sealed.wrappedKey.length, 60);
  assert.equal(sealed.iv.length, 12);
  assert.equal(sealed.tag.length, 16);
  assert.ok(!sealed.ciphertext.includes(Buffer.from('943 476')));
  assert.deepEqual(openMessage(sealed, ring), body);
  assert.deepEqual(openMessage(sealed, new Map([[k1.id, k1.key]])), body);
  assert.deepEqual(openMessage(sealMessage(Buffer.alloc(0), k2), ring), Buffer.alloc(0));
});

test('fresh key and IV per message', () => {
  const a = sealMessage(body, k1);
  const b = sealMessage(body, k1);
  assert.notDeepEqual(a.ciphertext, b.ciphertext);
  assert.notDeepEqual(a.wrappedKey, b.wrappedKey);
  assert.notDeepEqual(a.iv, b.iv);
});

test('JSON round trip', () => {
  const sealed = sealMessage(body, k1, Buffer.from('msg-42'));
  const json = JSON.parse(JSON.stringify(sealedToJson(sealed)));
  assert.equal(json.v, 1);
  assert.deepEqual(openMessage(sealedFromJson(json), ring, Buffer.from('msg-42')), body);
  for (const bad of [null, 'x', {}, { ...json, v: 2 }, { ...json, iv: 'not base64!' }, { ...json, tag: json.tag.slice(0, 8) }, { ...json, keyId: 'bad id' }]) {
    expectEnvelopeError(() => sealedFromJson(bad), 'malformed');
  }
  // Non-canonical base64 that would decode to the same bytes is refused.
  expectEnvelopeError(() => sealedFromJson({ ...json, iv: `${json.iv}\n` }), 'malformed');
});

test('tampering with any byte of any part is detected', () => {
  const sealed = sealMessage(body, k1);
  const parts = ['wrappedKey', 'iv', 'tag', 'ciphertext'] as const;
  for (const part of parts) {
    for (let i = 0; i < sealed[part].length; i++) {
      const copy: SealedMessage = { ...sealed, [part]: Buffer.from(sealed[part]) };
      copy[part][i] ^= 0x01;
      expectEnvelopeError(() => openMessage(copy, ring), 'tampered');
    }
  }
  // Extended or truncated ciphertext.
  expectEnvelopeError(() => openMessage({ ...sealed, ciphertext: Buffer.concat([sealed.ciphertext, Buffer.from([0])]) }, ring), 'tampered');
  expectEnvelopeError(() => openMessage({ ...sealed, ciphertext: sealed.ciphertext.subarray(1) }, ring), 'tampered');
  // Key id pointing at another real key: the wrap is bound to its key id.
  const k1AlsoAsK2 = [k1, { id: k2.id, key: k1.key }];
  expectEnvelopeError(() => openMessage({ ...sealed, keyId: k2.id }, k1AlsoAsK2), 'tampered');
  expectEnvelopeError(() => openMessage({ ...sealed, keyId: k2.id }, ring), 'tampered');
  expectEnvelopeError(() => openMessage({ ...sealed, keyId: 'retired' }, ring), 'unknown-key');
  // Wrapped key from another message: different data key, so the body fails.
  const other = sealMessage(body, k1);
  expectEnvelopeError(() => openMessage({ ...sealed, wrappedKey: other.wrappedKey }, ring), 'tampered');
  // Wrong lengths and shapes are malformed rather than crypto failures.
  expectEnvelopeError(() => openMessage({ ...sealed, tag: sealed.tag.subarray(0, 12) }, ring), 'malformed');
  expectEnvelopeError(() => openMessage({ ...sealed, iv: Buffer.alloc(16) }, ring), 'malformed');
  expectEnvelopeError(() => openMessage({ ...sealed, version: 2 } as unknown as SealedMessage, ring), 'malformed');
  expectEnvelopeError(() => openMessage(null as unknown as SealedMessage, ring), 'malformed');
});

test('associated data binds a sealed body to its record', () => {
  const sealed = sealMessage(body, k1, Buffer.from('message:1'));
  assert.deepEqual(openMessage(sealed, ring, Buffer.from('message:1')), body);
  expectEnvelopeError(() => openMessage(sealed, ring, Buffer.from('message:2')), 'tampered');
  expectEnvelopeError(() => openMessage(sealed, ring), 'tampered');
});

test('key rotation re-wraps without touching the body', () => {
  const sealed = sealMessage(body, k1);
  const rotated = rewrapMessageKey(sealed, ring, k2);
  assert.equal(rotated.keyId, k2.id);
  assert.deepEqual(rotated.ciphertext, sealed.ciphertext);
  assert.deepEqual(openMessage(rotated, [k2]), body);
  expectEnvelopeError(() => openMessage(rotated, [k1]), 'unknown-key');
});

test('bad service keys', () => {
  expectEnvelopeError(() => sealMessage(body, { id: 'short', key: randomBytes(16) }), 'bad-key');
  expectEnvelopeError(() => sealMessage(body, { id: '', key: randomBytes(32) }), 'bad-key');
  expectEnvelopeError(() => sealMessage(body, { id: 'has space', key: randomBytes(32) }), 'bad-key');
  expectEnvelopeError(() => openMessage(sealMessage(body, k1), [{ id: k1.id, key: randomBytes(31) }]), 'bad-key');
  const fromConfig = serviceKeyFromBase64('cfg-1', k1.key.toString('base64'));
  assert.deepEqual(fromConfig.key, k1.key);
  expectEnvelopeError(() => serviceKeyFromBase64('cfg-1', 'c2hvcnQ='), 'bad-key');
});

test('property: round trip for any plaintext and associated data; a wrong key never opens', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), (pt, aad) => {
      const sealed = sealMessage(Buffer.from(pt), k2, aad);
      assert.deepEqual(openMessage(sealedFromJson(sealedToJson(sealed)), ring, aad), Buffer.from(pt));
      expectEnvelopeError(() => openMessage(sealed, [{ id: k2.id, key: k1.key }], aad), 'tampered');
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- one-time codes

test('one-time codes are six digits and spread over the range', () => {
  const codes = Array.from({ length: 2000 }, newOneTimeCode);
  for (const c of codes) assert.match(c, /^[0-9]{6}$/);
  assert.ok(new Set(codes).size > 1900);
  const firstDigits = new Set(codes.map((c) => c[0]));
  assert.equal(firstDigits.size, 10, 'leading zeros are kept');
});

test('hashCode and codeMatches', () => {
  const salt = newCodeSalt();
  const code = '042917';
  const hash = hashCode(code, salt);
  assert.equal(hash.length, 32);
  assert.deepEqual(hashCode(code, salt), hash);
  assert.notDeepEqual(hashCode(code, newCodeSalt()), hash);
  assert.equal(codeMatches('042917', salt, hash), true);
  assert.equal(codeMatches(' 042 917 ', salt, hash), true);
  assert.equal(codeMatches('042-917', salt, hash), true);
  for (const wrong of ['042918', '42917', '0429170', '', 'abcdef', '０４２９１７']) assert.equal(codeMatches(wrong, salt, hash), false, wrong);
  assert.equal(codeMatches(code, newCodeSalt(), hash), false);
  assert.equal(codeMatches(code, salt, hash.subarray(0, 16)), false);
  assert.equal(codeMatches(code, Buffer.alloc(4), hash), false);
  assert.equal(codeMatches(undefined as unknown as string, salt, hash), false);
  assert.throws(() => hashCode(code, Buffer.alloc(8)), TypeError);
});
