import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * The audit trail: append-only (a trigger refuses UPDATE and DELETE) and
 * tamper-evident: each entry's hash covers its own fields and the previous
 * entry's hash, so changing or removing one entry breaks every hash after it.
 */
export type FrontDoor = 'portal' | 'api' | 'cli' | 'smtp' | 'imap' | 'system';

export type AuditActor = { id: string | null; label: string };

export type AuditEntry = {
  actor: AuditActor;
  action: string;
  outcome?: 'success' | 'failure' | 'refused';
  target?: { type: string; id: string } | null;
  organisationId?: string | null;
  frontDoor: FrontDoor;
  ip?: string | null;
  detail?: Record<string, unknown>;
};

export const GENESIS = '0'.repeat(64);
// One constant key for the advisory lock that makes appends one at a time, across processes.
const AUDIT_LOCK = 727_100_001;

type Hashed = {
  seq: string;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  organisation_id: string | null;
  front_door: string;
  ip: string | null;
  detail: unknown;
  prev_hash: string;
};

/** Keys sorted at every depth, so the same entry always hashes the same after a JSONB round trip. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function entryHash(e: Hashed): string {
  const body = canonicalJson({
    seq: String(e.seq),
    at: e.at.toISOString(),
    actor_id: e.actor_id,
    actor_label: e.actor_label,
    action: e.action,
    outcome: e.outcome,
    target_type: e.target_type,
    target_id: e.target_id,
    organisation_id: e.organisation_id,
    front_door: e.front_door,
    ip: e.ip,
    detail: e.detail,
    prev_hash: e.prev_hash,
  });
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Appends one entry. Call it inside the transaction that makes the change, so
 * the change and its record land together or not at all.
 */
export async function appendAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  const write = async (trx: Kysely<DB>) => {
    await sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`.execute(trx);
    const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const { rows } = await sql<{ seq: string }>`select nextval('audit_events_seq_seq')::text as seq`.execute(trx);
    // Milliseconds only: PostgreSQL keeps microseconds, JavaScript dates do not.
    const at = new Date();
    const row: Hashed = {
      seq: rows[0].seq,
      at,
      actor_id: entry.actor.id,
      actor_label: entry.actor.label,
      action: entry.action,
      outcome: entry.outcome ?? 'success',
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      organisation_id: entry.organisationId ?? null,
      front_door: entry.frontDoor,
      ip: entry.ip ?? null,
      detail: JSON.parse(canonicalJson(entry.detail ?? {})),
      prev_hash: last?.hash ?? GENESIS,
    };
    const hash = entryHash(row);
    await trx
      .insertInto('audit_events')
      .values({ ...row, detail: JSON.stringify(row.detail), hash })
      .execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}

export type ChainReport = { ok: true; entries: number } | { ok: false; entries: number; firstBroken: string; reason: string };

/** Walks the whole chain in order and names the first entry that does not add up. */
export async function verifyAuditChain(db: Kysely<DB>, batch = 5000): Promise<ChainReport> {
  let prev = GENESIS;
  let after = '0';
  let count = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where(sql<boolean>`seq > ${after}::bigint`)
      .orderBy('seq')
      .limit(batch)
      .execute();
    if (!rows.length) break;
    for (const r of rows) {
      count++;
      if (r.prev_hash !== prev) {
        return { ok: false, entries: count, firstBroken: r.seq, reason: 'its link to the previous entry does not match (an entry before it was removed or changed)' };
      }
      const recomputed = entryHash({ ...r, detail: r.detail });
      if (recomputed !== r.hash) {
        return { ok: false, entries: count, firstBroken: r.seq, reason: 'its contents do not match its hash (the entry was changed)' };
      }
      prev = r.hash;
      after = r.seq;
    }
  }
  return { ok: true, entries: count };
}
