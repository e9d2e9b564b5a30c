import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceKey, serviceKeyFromBase64 } from './envelope-crypto.ts';

/**
 * The service key that wraps every secure message's own key: from
 * CAREMAIL_SECURE_MESSAGE_KEY, or (development) made at first start and kept
 * in the data folder, as the account-secret key is (identity/secret-key.ts).
 * It is a separate key so that either can be rotated or leaked without the
 * other. The key id is derived from the key, so a stored message names the
 * key it needs and a wrong key is reported as such, not as tampering.
 */
export const SECURE_MESSAGE_KEY_FILE = 'secure-message.key';

const cache = new Map<string, ServiceKey>();

export function secureMessageKeyFor(settings: { secure: { messageKey: string | undefined }; dataDir: string }): ServiceKey {
  const cacheKey = settings.secure.messageKey ? `setting:${settings.secure.messageKey}` : `file:${settings.dataDir}`;
  const known = cache.get(cacheKey);
  if (known) return known;
  let base64 = settings.secure.messageKey;
  if (!base64) {
    const path = join(settings.dataDir, SECURE_MESSAGE_KEY_FILE);
    mkdirSync(settings.dataDir, { recursive: true });
    try {
      // 'wx' fails if the file exists, so two processes starting together keep the first key.
      writeFileSync(path, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    base64 = readFileSync(path, 'utf8').trim();
  }
  const id = 'k-' + createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex').slice(0, 12);
  const key = serviceKeyFromBase64(id, base64);
  cache.set(cacheKey, key);
  return key;
}
