import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import '../queue/tables.ts';

/**
 * One DKIM key per domain (RSA 2048), made at first start and kept in the
 * database so every process signs with the same key. `dkimRecord` is the TXT
 * record the domain must publish (`caremail dkim show`).
 */
export type DkimKey = { domain: string; selector: string; privateKeyPem: string; publicKeyBase64: string };

export function selectorFor(now = new Date()): string {
  return `cm${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

export async function ensureDkimKey(db: Kysely<DB>, domain: string): Promise<DkimKey> {
  const d = domain.toLowerCase();
  const existing = await getDkimKey(db, d);
  if (existing) return existing;
  // Asynchronous: 2048-bit RSA takes a noticeable moment and must not stall the process's other work.
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  await db
    .insertInto('mail_dkim_keys')
    .values({ domain: d, selector: selectorFor(), private_key_pem: privateKey, public_key_base64: publicKey.toString('base64') })
    .onConflict((oc) => oc.column('domain').doNothing())
    .execute();
  // Another process may have won the race: whatever is stored is the key.
  return (await getDkimKey(db, d))!;
}

export async function getDkimKey(db: Kysely<DB>, domain: string): Promise<DkimKey | null> {
  const row = await db.selectFrom('mail_dkim_keys').selectAll().where('domain', '=', domain.toLowerCase()).executeTakeFirst();
  return row ? { domain: row.domain, selector: row.selector, privateKeyPem: row.private_key_pem, publicKeyBase64: row.public_key_base64 } : null;
}

export function dkimRecord(key: DkimKey): { name: string; value: string } {
  return { name: `${key.selector}._domainkey.${key.domain}`, value: `v=DKIM1; k=rsa; p=${key.publicKeyBase64}` };
}
