// Encryption at rest for [secure] messages, and the one-time codes outside recipients use.
//
// Envelope scheme: each message gets a fresh random 256-bit data key and is sealed with
// AES-256-GCM. The data key is wrapped with the service key, also with AES-256-GCM (not AES-KW):
// GCM lets us bind the key id as associated data, gives the same tamper error for every part,
// and needs nothing beyond the default OpenSSL build. The wrap uses a random 96-bit IV per
// message, so rotate a service key well before 2^32 messages (NIST SP 800-38D limit).
// The body's associated data does not include the key id, so rewrapMessageKey can move a message
// to a new service key without touching the body.

import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export interface ServiceKey {
  id: string;
  key: Buffer;
}

/** Service keys by id: a Map or a list (e.g. straight from configuration). */
export type Keyring = ReadonlyMap<string, Uint8Array> | readonly ServiceKey[];

export interface SealedMessage {
  version: 1;
  keyId: string;
  /** wrap IV (12) | wrap tag (16) | encrypted data key (32). */
  wrappedKey: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** SealedMessage with base64 strings, for JSON columns and queues. */
export interface SealedMessageJson {
  v: 1;
  keyId: string;
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export type EnvelopeErrorCode = 'bad-key' | 'unknown-key' | 'malformed' | 'tampered';

export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode;
  constructor(code: EnvelopeErrorCode, message: string) {
    super(message);
    this.name = 'EnvelopeError';
    this.code = code;
  }
}

const ALG = 'aes-256-gcm';
const KEY_LEN = 32;
const IV_LEN = 12;
const TAG_LEN = 16;
const WRAPPED_LEN = IV_LEN + TAG_LEN + KEY_LEN;
const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// Domain separation: a wrapped key can never be replayed as a body or the other way round.
const WRAP_AAD = 'caremail/secure-message/key-wrap/v1\0';
const BODY_AAD = 'caremail/secure-message/body/v1\0';

function checkServiceKey(k: ServiceKey): void {
  if (!k || typeof k.id !== 'string' || !KEY_ID.test(k.id)) throw new EnvelopeError('bad-key', 'service key id must be 1-64 of A-Z a-z 0-9 . _ : -');
  if (!(k.key instanceof Uint8Array) || k.key.length !== KEY_LEN) throw new EnvelopeError('bad-key', `service key "${k.id}" must be 32 bytes`);
}

/** Service key from configuration (base64 of 32 random bytes, e.g. `openssl rand -base64 32`). */
export function serviceKeyFromBase64(id: string, base64: string): ServiceKey {
  const key = Buffer.from(String(base64).trim(), 'base64');
  const k = { id, key };
  checkServiceKey(k);
  return k;
}

function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv(ALG, key, iv, { authTagLength: TAG_LEN });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function gcmOpen(key: Uint8Array, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  try {
    const decipher = createDecipheriv(ALG, key, iv, { authTagLength: TAG_LEN });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new EnvelopeError('tampered', 'secure message failed authentication');
  }
}

const wrapAad = (keyId: string) => Buffer.from(WRAP_AAD + keyId, 'utf8');
const bodyAad = (extra?: Uint8Array) => Buffer.concat([Buffer.from(BODY_AAD, 'utf8'), extra ?? Buffer.alloc(0)]);

function wrapKey(dataKey: Buffer, serviceKey: ServiceKey): Buffer {
  const w = gcmSeal(serviceKey.key, dataKey, wrapAad(serviceKey.id));
  return Buffer.concat([w.iv, w.tag, w.ciphertext]);
}

function lookupKey(keyring: Keyring, id: string): Uint8Array | undefined {
  if (Array.isArray(keyring)) return (keyring as readonly ServiceKey[]).find((k) => k.id === id)?.key;
  return (keyring as ReadonlyMap<string, Uint8Array>).get(id);
}

function checkSealed(s: SealedMessage): void {
  const ok =
    s !== null && typeof s === 'object' && s.version === 1 &&
    typeof s.keyId === 'string' && KEY_ID.test(s.keyId) &&
    Buffer.isBuffer(s.wrappedKey) && s.wrappedKey.length === WRAPPED_LEN &&
    Buffer.isBuffer(s.iv) && s.iv.length === IV_LEN &&
    Buffer.isBuffer(s.tag) && s.tag.length === TAG_LEN &&
    Buffer.isBuffer(s.ciphertext);
  if (!ok) throw new EnvelopeError('malformed', 'not a sealed secure message');
}

function unwrapKey(s: SealedMessage, keyring: Keyring): Buffer {
  const serviceKey = lookupKey(keyring, s.keyId);
  if (!serviceKey) throw new EnvelopeError('unknown-key', `no service key with id "${s.keyId}"`);
  if (serviceKey.length !== KEY_LEN) throw new EnvelopeError('bad-key', `service key "${s.keyId}" must be 32 bytes`);
  const w = s.wrappedKey;
  const dataKey = gcmOpen(serviceKey, w.subarray(0, IV_LEN), w.subarray(IV_LEN, IV_LEN + TAG_LEN), w.subarray(IV_LEN + TAG_LEN), wrapAad(s.keyId));
  if (dataKey.length !== KEY_LEN) throw new EnvelopeError('tampered', 'secure message failed authentication');
  return dataKey;
}

/**
 * Encrypt a message under a fresh data key wrapped by `serviceKey`. `associatedData` (e.g. the
 * message id) is authenticated but not stored: the same value must be given to openMessage,
 * which stops a sealed body being swapped into another record.
 */
export function sealMessage(plaintext: Buffer, serviceKey: ServiceKey, associatedData?: Uint8Array): SealedMessage {
  checkServiceKey(serviceKey);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Buffer');
  const dataKey = randomBytes(KEY_LEN);
  try {
    const body = gcmSeal(dataKey, plaintext, bodyAad(associatedData));
    return { version: 1, keyId: serviceKey.id, wrappedKey: wrapKey(dataKey, serviceKey), ...body };
  } finally {
    dataKey.fill(0);
  }
}

/** Decrypt; throws EnvelopeError ('tampered' for any altered byte, 'unknown-key', 'malformed'). */
export function openMessage(sealed: SealedMessage, keyring: Keyring, associatedData?: Uint8Array): Buffer {
  checkSealed(sealed);
  const dataKey = unwrapKey(sealed, keyring);
  try {
    return gcmOpen(dataKey, sealed.iv, sealed.tag, sealed.ciphertext, bodyAad(associatedData));
  } finally {
    dataKey.fill(0);
  }
}

/** Key rotation: re-wrap the data key under `newKey`; the body is not decrypted or changed. */
export function rewrapMessageKey(sealed: SealedMessage, keyring: Keyring, newKey: ServiceKey): SealedMessage {
  checkSealed(sealed);
  checkServiceKey(newKey);
  const dataKey = unwrapKey(sealed, keyring);
  try {
    return { ...sealed, keyId: newKey.id, wrappedKey: wrapKey(dataKey, newKey) };
  } finally {
    dataKey.fill(0);
  }
}

export function sealedToJson(s: SealedMessage): SealedMessageJson {
  checkSealed(s);
  const b64 = (b: Buffer) => b.toString('base64');
  return { v: 1, keyId: s.keyId, wrappedKey: b64(s.wrappedKey), iv: b64(s.iv), tag: b64(s.tag), ciphertext: b64(s.ciphertext) };
}

// Buffer.from(x, 'base64') skips junk characters; insisting on the canonical form means a
// stored value cannot be altered in ways that still decode to the same bytes.
function strictBase64(v: unknown): Buffer {
  if (typeof v !== 'string') throw new EnvelopeError('malformed', 'not a sealed secure message');
  const b = Buffer.from(v, 'base64');
  if (b.toString('base64') !== v) throw new EnvelopeError('malformed', 'not a sealed secure message');
  return b;
}

export function sealedFromJson(json: unknown): SealedMessage {
  const j = json as Partial<SealedMessageJson> | null;
  if (j === null || typeof j !== 'object' || j.v !== 1 || typeof j.keyId !== 'string') {
    throw new EnvelopeError('malformed', 'not a sealed secure message');
  }
  const s: SealedMessage = {
    version: 1,
    keyId: j.keyId,
    wrappedKey: strictBase64(j.wrappedKey),
    iv: strictBase64(j.iv),
    tag: strictBase64(j.tag),
    ciphertext: strictBase64(j.ciphertext),
  };
  checkSealed(s);
  return s;
}

// ------------------------------------------------------------------ one-time codes
//
// A 6-digit code has only 10^6 values, so no hash stops offline guessing if a stored hash leaks;
// the protection is a short expiry and an attempt limit, which the caller enforces. The keyed
// hash only keeps the code itself out of the database and logs.

const CODE = /^[0-9]{6}$/;
const CODE_CONTEXT = 'caremail/one-time-code/v1\0';
const MIN_SALT = 16;

/** Six digits, uniformly random (crypto.randomInt), leading zeros kept. */
export function newOneTimeCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function newCodeSalt(): Buffer {
  return randomBytes(MIN_SALT);
}

/** HMAC-SHA-256 of the code keyed by a per-code random salt (at least 16 bytes). */
export function hashCode(code: string, salt: Uint8Array): Buffer {
  if (!(salt instanceof Uint8Array) || salt.length < MIN_SALT) throw new TypeError('salt must be at least 16 bytes');
  return createHmac('sha256', salt).update(CODE_CONTEXT + code, 'utf8').digest();
}

/** Constant-time check of what the person typed; spaces and hyphens ("123 456") are ignored. */
export function codeMatches(candidate: string, salt: Uint8Array, expectedHash: Uint8Array): boolean {
  if (typeof candidate !== 'string' || !(expectedHash instanceof Uint8Array) || expectedHash.length !== 32) return false;
  const typed = candidate.replace(/[\s-]/g, '');
  if (!CODE.test(typed)) return false;
  let actual: Buffer;
  try {
    actual = hashCode(typed, salt);
  } catch {
    return false;
  }
  return timingSafeEqual(actual, expectedHash);
}
