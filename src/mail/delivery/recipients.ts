import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * Who an address is. Local addresses are the account's primary address or an
 * alias (`mail_addresses` kind 'alias'); an alias with `reserved_until` (a
 * joiner's 90-day receive-only alias) delivers until that day. Everything in
 * a domain that is not the service's is remote.
 */
export type Recipient =
  | { kind: 'local'; address: string; accountId: string; mailboxFull?: boolean }
  | { kind: 'remote'; address: string; domain: string }
  | { kind: 'unknown'; address: string; reason: string };

const CANNOT_RECEIVE = new Set(['deleted', 'deleted_permanent']);

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : '';
}

/** A basic, strict check: local@domain with no spaces or angle brackets; used before any lookup. */
export function plausibleAddress(address: string): boolean {
  return address.length <= 254 && /^[^\s<>@"(),;:\\]+@[^\s<>@"(),;:\\]+\.[^\s<>@"(),;:\\]+$/u.test(address);
}

export type AddressRow = { account_id: string | null; kind: string; reserved_until: Date | null; status: string | null };

/** The rule, apart from the lookup: what a `mail_addresses` row (or its absence) means for delivery. */
export function classifyAddress(address: string, r: AddressRow | undefined): Recipient {
  const noSuch = `There is no mailbox ${address} here. Check the address in the directory and try again.`;
  if (!r || !r.account_id || r.kind === 'retired') return { kind: 'unknown', address, reason: noSuch };
  if (r.kind === 'alias' && r.reserved_until && r.reserved_until.getTime() < Date.now()) return { kind: 'unknown', address, reason: noSuch };
  if (r.status && CANNOT_RECEIVE.has(r.status)) return { kind: 'unknown', address, reason: `The mailbox ${address} has been closed.` };
  return { kind: 'local', address, accountId: r.account_id };
}

type LookupRow = AddressRow & { address: string; full: boolean | null };

/**
 * RCPT look-ups arriving while one is in flight wait and then go together as
 * one query: under load, many SMTP sessions ask at once, and one statement for
 * all of them costs the database far less than one each. Nothing is cached;
 * every answer comes from a query that started after the question was asked.
 */
class RecipientLookups {
  private waiting = new Map<string, Array<(row: LookupRow | undefined) => void>>();
  private failures: Array<(e: unknown) => void> = [];
  private busy = false;

  constructor(private readonly db: Kysely<DB>) {}

  find(address: string): Promise<LookupRow | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(address);
      if (list) list.push(resolve);
      else this.waiting.set(address, [resolve]);
      this.failures.push(reject);
      if (!this.busy) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.size) {
        const batch = this.waiting;
        const failures = this.failures;
        this.waiting = new Map();
        this.failures = [];
        try {
          // One query answers both questions the SMTP door asks at RCPT: who is it, and is the mailbox full?
          const rows = await sql<LookupRow>`
            select m.address, m.account_id, m.kind, m.reserved_until, a.status, coalesce(u.used_bytes, 0) >= a.mail_quota_bytes as full
            from mail_addresses m left join accounts a on a.id = m.account_id left join mail_usage u on u.account_id = m.account_id
            where m.address = any(${[...batch.keys()]}::text[])`.execute(this.db);
          const byAddress = new Map(rows.rows.map((r) => [r.address, r]));
          for (const [address, resolvers] of batch) for (const r of resolvers) r(byAddress.get(address));
        } catch (err) {
          for (const f of failures) f(err);
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

const lookups = new WeakMap<Kysely<DB>, RecipientLookups>();

export async function resolveRecipient(db: Kysely<DB>, rawAddress: string, localDomains: string[]): Promise<Recipient> {
  const address = rawAddress.trim().toLowerCase();
  if (!plausibleAddress(address)) return { kind: 'unknown', address, reason: 'This is not a valid email address.' };
  const domain = domainOf(address);
  if (!localDomains.includes(domain)) return { kind: 'remote', address, domain };
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = new RecipientLookups(db)));
  // Inside a transaction the caller's own connection must answer (it may see its own uncommitted rows).
  const row = db.isTransaction ? await new RecipientLookups(db).find(address) : await lookup.find(address);
  const r = classifyAddress(address, row);
  return r.kind === 'local' ? { ...r, mailboxFull: Boolean(row?.full) } : r;
}

/**
 * Addresses an account may put in MAIL FROM and the From header: its primary
 * address and its aliases, except receive-only ones (those with `reserved_until`).
 */
export async function sendableAddresses(db: Kysely<DB>, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('mail_addresses')
    .select('address')
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('kind', '=', 'primary'), eb.and([eb('kind', '=', 'alias'), eb('reserved_until', 'is', null)])]))
    .execute();
  const primary = await db.selectFrom('accounts').select('email').where('id', '=', accountId).executeTakeFirst();
  const all = new Set(rows.map((r) => r.address.toLowerCase()));
  if (primary) all.add(primary.email.toLowerCase());
  return [...all];
}
