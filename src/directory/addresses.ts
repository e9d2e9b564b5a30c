import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * firstname.lastname@domain, lower case, accents dropped ("Zoë O'Brien" becomes
 * zoe.obrien), spaces turned to hyphens; a number is added on collision
 * (jane.smith2). Addresses of deleted accounts stay reserved for a period, so
 * mail meant for one person never reaches another.
 */
export function localPartFor(firstName: string, lastName: string): string {
  const clean = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/['’`]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const first = clean(firstName) || 'user';
  const last = clean(lastName) || 'user';
  return `${first}.${last}`.slice(0, 60);
}

/**
 * Claims the first free address in the `mail_addresses` table. The primary key
 * on the address decides races between two processes: the loser moves on.
 */
export async function claimAddress(trx: Kysely<DB>, localPart: string, domain: string, accountId: string): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const address = `${n === 1 ? localPart : `${localPart}${n}`}@${domain}`;
    const res = await sql<{ address: string }>`
      insert into mail_addresses (address, account_id, kind)
      values (${address}, ${accountId}::uuid, 'primary')
      on conflict (address) do nothing
      returning address`.execute(trx);
    if (res.rows.length) return address;
  }
  throw new Error(`No free address for ${localPart}@${domain}.`);
}

export async function addressInUse(db: Kysely<DB>, address: string): Promise<boolean> {
  const row = await db.selectFrom('mail_addresses').select('address').where('address', '=', address.toLowerCase()).executeTakeFirst();
  return Boolean(row);
}
