import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One key from configuration (CAREMAIL_SECRET_KEY) protects what a database
 * reader must not read: account secrets, security answers, TOTP seeds. Two keys
 * are derived from it, one to encrypt (AES-256-GCM) and one to make HMACs of
 * previous secrets, so neither use weakens the other.
 *
 * In development, when the setting is unset, a key is made at first start and
 * kept in the data folder. Several processes on one PostgreSQL database must all
 * have the same key, so production sets the setting.
 */
export type SecretKeys = { encrypt: Buffer; mac: Buffer };

export const SECRET_KEY_FILE = 'secret.key';

export function deriveKeys(master: Buffer): SecretKeys {
  if (master.length !== 32) throw new Error('The secret key must be 32 bytes.');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { encrypt: derive('caremail encrypt v1'), mac: derive('caremail mac v1') };
}

const cache = new Map<string, SecretKeys>();

/** The keys for these settings: from the setting, or from (made once in) the data folder. */
export function secretKeysFor(settings: { secretKey: string | undefined; dataDir: string }): SecretKeys {
  const cacheKey = settings.secretKey ? `setting:${settings.secretKey}` : `file:${settings.dataDir}`;
  const known = cache.get(cacheKey);
  if (known) return known;
  let master: Buffer;
  if (settings.secretKey) master = Buffer.from(settings.secretKey, 'base64');
  else {
    const path = join(settings.dataDir, SECRET_KEY_FILE);
    mkdirSync(settings.dataDir, { recursive: true });
    try {
      // 'wx' fails if the file exists, so two processes starting together keep the first key.
      writeFileSync(path, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    master = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  }
  const keys = deriveKeys(master);
  cache.set(cacheKey, keys);
  return keys;
}

/**
 * AES-256-GCM with a fresh 12-byte nonce. `context` (for example the account id
 * and what the value is) is bound as associated data, so a ciphertext copied to
 * another account's row does not decrypt there.
 */
export function seal(keys: SecretKeys, plain: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.encrypt, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

export function open(keys: SecretKeys, sealed: string, context: string): string {
  if (!sealed.startsWith('v1.')) throw new Error('Unknown sealed value format.');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keys.encrypt, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

export function mac(keys: SecretKeys, value: string): string {
  return createHmac('sha256', keys.mac).update(value, 'utf8').digest('base64url');
}
