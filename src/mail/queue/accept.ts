import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { putBlob } from '../store/write.ts';
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

export async function acceptMessage(
  db: Kysely<DB>,
  m: { from: string; recipients: string[]; raw: Buffer; origin: Origin; localDomains: string[] },
): Promise<Accepted> {
  const recipients = [...new Set(m.recipients.map((r) => r.trim().toLowerCase()).filter(Boolean))];
  if (!recipients.length) throw new Error('A message needs at least one recipient.');
  const local = recipients.filter((r) => m.localDomains.includes(domainOf(r)));
  const remote = new Map<string, string[]>();
  for (const r of recipients) {
    if (local.includes(r)) continue;
    const d = domainOf(r);
    remote.set(d, [...(remote.get(d) ?? []), r]);
  }
  const raw = normaliseLineEndings(m.raw);
  const run = async (trx: Kysely<DB>): Promise<Accepted> => {
    const sha = await putBlob(trx, raw);
    const rows = [
      ...(local.length ? [{ kind: 'local' as const, recipients: local, domain: null }] : []),
      ...[...remote].map(([domain, rs]) => ({ kind: 'remote' as const, recipients: rs, domain })),
    ];
    // The insert and the wake-up call in one statement: one round trip fewer on every message.
    const ids = await sql<{ id: string }>`
      with q as (
        insert into mail_queue (kind, blob_sha256, mail_from, recipients, domain, origin)
        select kind, ${sha}, ${m.from.toLowerCase()}, array(select jsonb_array_elements_text(recipients)), domain, ${m.origin}
        from unnest(${rows.map((r) => r.kind)}::text[], ${rows.map((r) => JSON.stringify(r.recipients))}::jsonb[], ${rows.map((r) => r.domain)}::text[])
          as r(kind, recipients, domain)
        returning id)
      select id, pg_notify(${QUEUE_CHANNEL}, '') from q`.execute(trx);
    return { queueIds: ids.rows.map((i) => i.id), sha256: sha };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
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
