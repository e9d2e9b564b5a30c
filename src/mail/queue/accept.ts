import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { sha256Hex } from '../store/write.ts';
import { domainOf } from '../delivery/recipients.ts';
import './tables.ts';

/**
 * Postfix's cleanup, for us: turns an accepted message into a stored, queued
 * fact in one transaction. When this returns, the bytes are on disk and every
 * recipient is in the queue, so the front door may answer 250. Local
 * recipients share one queue entry; remote ones get one entry per domain.
 */
export const QUEUE_CHANNEL = 'caremail_queue';

export type Origin = 'mx' | 'submission' | 'system';

export type Accepted = { queueIds: string[]; sha256: string };

export type AcceptInput = { from: string; recipients: string[]; raw: Buffer; origin: Origin; localDomains: string[] };

type Prepared = { sha: string; raw: Buffer; from: string; origin: Origin; rows: Array<{ kind: 'local' | 'remote'; recipients: string[]; domain: string | null }> };

function prepare(m: AcceptInput): Prepared {
  const recipients = [...new Set(m.recipients.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  if (!recipients.length) throw new Error('A message needs at least one recipient.');
  const local = recipients.filter((r) => m.localDomains.includes(domainOf(r)));
  const isLocal = new Set(local);
  const remote = new Map<string, string[]>();
  for (const r of recipients) {
    if (isLocal.has(r)) continue;
    const d = domainOf(r);
    remote.set(d, [...(remote.get(d) ?? []), r]);
  }
  const raw = normaliseLineEndings(m.raw);
  return {
    sha: sha256Hex(raw), raw, from: m.from.toLowerCase(), origin: m.origin,
    rows: [
      ...(local.length ? [{ kind: 'local' as const, recipients: local, domain: null }] : []),
      ...[...remote].map(([domain, rs]) => ({ kind: 'remote' as const, recipients: rs, domain })),
    ],
  };
}

/**
 * Writes many accepted messages in one statement (the bytes, the queue
 * entries, and the wake-up call for the workers), so that outside a
 * transaction it is atomic on its own and costs one round trip. Returns each
 * message's queue ids, in order.
 */
async function writeAccepted(db: Kysely<DB>, batch: Prepared[]): Promise<string[][]> {
  const blobs = new Map(batch.map((p) => [p.sha, p.raw]));
  const rows = batch.flatMap((p, i) => p.rows.map((r) => ({ ...r, i, sha: p.sha, from: p.from, origin: p.origin })));
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  // The bytes go one parameter per blob (sent as binary), not as a bytea[] (which the driver would spell out in hex).
  // An existing blob gets a row lock (the no-op update), so a concurrent delete of its last reference cannot remove it first.
  // The queue's foreign key and reference-count trigger run at the end of the statement, after both inserts.
  const ids = await sql<{ id: string }>`
    with b as (
      insert into mail_blobs (sha256, size, raw)
      values ${sql.join([...blobs].map(([sha, raw]) => sql`(${sha}, ${raw.length}, ${raw})`))}
      on conflict (sha256) do update set refs = mail_blobs.refs
      returning 1),
    q as (
      insert into mail_queue (kind, blob_sha256, mail_from, recipients, domain, origin)
      select kind, sha, mail_from, array(select jsonb_array_elements_text(recipients)), domain, origin
      from unnest(${col((r) => r.kind)}::text[], ${col((r) => r.sha)}::text[], ${col((r) => r.from)}::text[],
        ${col((r) => JSON.stringify(r.recipients))}::jsonb[], ${col((r) => r.domain)}::text[], ${col((r) => r.origin)}::text[])
        with ordinality as r(kind, sha, mail_from, recipients, domain, origin, n)
      order by n
      returning id)
    select id from q, (select pg_notify(${QUEUE_CHANNEL}, '')) w`.execute(db);
  // Identity values are drawn in insertion order, and the rows were inserted in the order given.
  const sorted = ids.rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  if (sorted.length !== rows.length) throw new Error(`Queued ${sorted.length} entries for ${rows.length}.`);
  const out: string[][] = batch.map(() => []);
  rows.forEach((r, k) => out[r.i].push(sorted[k]));
  return out;
}

/**
 * Group commit: messages accepted by many SMTP sessions at once share one
 * statement (one commit, one WAL flush) instead of a transaction each. A
 * message waits at most for the write already in progress; nothing waits on a
 * timer. Each caller is answered only after the shared commit, so "250" still
 * means durable. If a shared write fails, its messages are tried one by one,
 * so one bad message cannot refuse the others.
 */
class GroupCommit {
  private waiting: Array<{ p: Prepared; resolve: (ids: string[]) => void; reject: (e: unknown) => void }> = [];
  private busy = false;

  // A batch stops at 200 messages or 16 MB of bytes, so a few large messages do not make one huge statement.
  constructor(private readonly db: Kysely<DB>, private readonly maxBatch = 200, private readonly maxBytes = 16 * 1024 * 1024) {}

  private nextBatch() {
    let bytes = 0;
    let n = 0;
    while (n < this.waiting.length && n < this.maxBatch && (n === 0 || bytes + this.waiting[n].p.raw.length <= this.maxBytes)) {
      bytes += this.waiting[n].p.raw.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  add(p: Prepared): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ p, resolve, reject });
      if (!this.busy) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.length) {
        const batch = this.nextBatch();
        try {
          const ids = await writeAccepted(this.db, batch.map((b) => b.p));
          batch.forEach((b, i) => b.resolve(ids[i]));
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else {
            for (const b of batch) {
              await writeAccepted(this.db, [b.p]).then((ids) => b.resolve(ids[0]), b.reject);
            }
          }
        }
      }
    } finally {
      this.busy = false;
    }
  }
}

const groups = new WeakMap<Kysely<DB>, GroupCommit>();

export async function acceptMessage(db: Kysely<DB>, m: AcceptInput): Promise<Accepted> {
  const p = prepare(m);
  // Inside a caller's transaction the message commits with the caller's own changes.
  if (db.isTransaction) return { queueIds: (await writeAccepted(db, [p]))[0], sha256: p.sha };
  let group = groups.get(db);
  if (!group) groups.set(db, (group = new GroupCommit(db)));
  return { queueIds: await group.add(p), sha256: p.sha };
}

/** Bare LF line endings (as some clients send) become CRLF, which IMAP and DKIM expect. */
export function normaliseLineEndings(raw: Buffer): Buffer {
  let bare = 0;
  for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) if (i === 0 || raw[i - 1] !== 0x0d) bare++;
  if (!bare) return raw;
  const out = Buffer.allocUnsafe(raw.length + bare);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x0a && (i === 0 || raw[i - 1] !== 0x0d)) out[o++] = 0x0d;
    out[o++] = raw[i];
  }
  return out;
}
