import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { ensureDefaultFolders } from '../store/folders.ts';
import { insertMessages, type NewMessageRow, putBlob } from '../store/write.ts';
import { summarise } from '../store/summarise.ts';
import { removeBlockedAttachments } from './blocked.ts';
import { parseMime } from '../mime/parse.ts';
import { prepareOutsideBanner } from '../secure/outside-banner.ts';
import { type Failure } from './bounce.ts';
import { classifyAddress, type AddressRow, plausibleAddress } from './recipients.ts';

/**
 * Local delivery of a batch of queue entries, inside the worker's
 * transaction: each recipient's account gets the message in its INBOX (an
 * account reached by several of its addresses gets it once); a full mailbox
 * defers that recipient; an address that no longer exists fails. The whole
 * batch costs a handful of statements, whatever its size.
 */
export type LocalOutcome = {
  deliveredTo: string[];
  /** Accounts that received it (for quota warnings). */
  accountIds: string[];
  deferred: Array<{ recipient: string; reason: string }>;
  failed: Failure[];
  removedAttachments: string[];
};

export type LocalEntry = { id: string; blob_sha256: string; recipients: string[]; origin?: string };

export async function deliverLocalBatch(
  trx: Kysely<DB>,
  entries: LocalEntry[],
  opts: { localDomains: string[]; blockedExtensions: string[]; outsideBanner?: boolean },
): Promise<Map<string, LocalOutcome>> {
  const outcomes = new Map<string, LocalOutcome>(entries.map((e) => [e.id, { deliveredTo: [], accountIds: [], deferred: [], failed: [], removedAttachments: [] }]));
  if (!entries.length) return outcomes;
  const addresses = [...new Set(entries.flatMap((e) => e.recipients.map((r) => r.toLowerCase())))];
  const found = await sql<AddressRow & { address: string }>`
    select m.address, m.account_id, m.kind, m.reserved_until, a.status
    from mail_addresses m left join accounts a on a.id = m.account_id
    where m.address = any(${addresses}::text[])`.execute(trx);
  const byAddress = new Map(found.rows.map((r) => [r.address, r]));
  const blobs = await trx.selectFrom('mail_blobs').select(['sha256', 'raw']).where('sha256', 'in', [...new Set(entries.map((e) => e.blob_sha256))]).execute();
  const rawBySha = new Map(blobs.map((b) => [b.sha256, b.raw]));

  // Who gets what: entry → (account → the address that reached it).
  const wanted = new Map<string, Map<string, string>>();
  for (const e of entries) {
    const out = outcomes.get(e.id)!;
    const accounts = new Map<string, string>();
    for (const rcpt of e.recipients) {
      const address = rcpt.toLowerCase();
      const r = plausibleAddress(address) ? classifyAddress(address, byAddress.get(address)) : { kind: 'unknown' as const, address, reason: 'This is not a valid email address.' };
      if (r.kind === 'local') {
        if (accounts.has(r.accountId)) out.deliveredTo.push(rcpt);
        else accounts.set(r.accountId, rcpt);
      } else out.failed.push({ recipient: rcpt, status: '5.1.1', explanation: r.kind === 'unknown' ? r.reason : 'The address is not one of ours.' });
    }
    wanted.set(e.id, accounts);
  }
  const accountIds = [...new Set([...wanted.values()].flatMap((m) => [...m.keys()]))];
  if (!accountIds.length) return outcomes;

  const usage = await sql<{ id: string; quota: string; used: string | null }>`
    select a.id, a.mail_quota_bytes as quota, u.used_bytes as used
    from accounts a left join mail_usage u on u.account_id = a.id where a.id = any(${accountIds}::uuid[])`.execute(trx);
  const room = new Map(usage.rows.map((u) => [u.id, Number(u.quota) - Number(u.used ?? 0)]));
  let inboxes = await trx.selectFrom('mail_folders').select(['id', 'account_id']).where('account_id', 'in', accountIds).where('name', '=', 'INBOX').execute();
  if (inboxes.length < accountIds.length) {
    const have = new Set(inboxes.map((i) => i.account_id));
    for (const id of accountIds) if (!have.has(id)) await ensureDefaultFolders(trx, id);
    inboxes = await trx.selectFrom('mail_folders').select(['id', 'account_id']).where('account_id', 'in', accountIds).where('name', '=', 'INBOX').execute();
  }
  const inboxOf = new Map(inboxes.map((i) => [i.account_id, i.id]));

  // Secure messaging (SPEC 7): the outside banner on mail from the internet, after the MX verified the original bytes.
  const banner = opts.outsideBanner ? await prepareOutsideBanner(trx, opts.localDomains) : null;
  const rows: NewMessageRow[] = [];
  for (const e of entries) {
    const out = outcomes.get(e.id)!;
    const accounts = wanted.get(e.id)!;
    if (!accounts.size) continue;
    const original = rawBySha.get(e.blob_sha256);
    if (!original) throw new Error(`Queue entry ${e.id} refers to missing bytes.`);
    // One MIME parse per message, made again only after a step changed the bytes.
    let parsed = parseMime(original);
    const { raw: cleaned, removed } = removeBlockedAttachments(original, opts.blockedExtensions, parsed);
    if (cleaned !== original) parsed = parseMime(cleaned);
    const raw = banner ? banner(cleaned, e.origin ?? '', parsed) : cleaned;
    if (raw !== cleaned) parsed = parseMime(raw);
    out.removedAttachments = removed;
    const sha = raw !== original ? await putBlob(trx, raw) : e.blob_sha256;
    const summary = summarise(raw, parsed);
    for (const [accountId, rcpt] of accounts) {
      const left = room.get(accountId) ?? 0;
      if (left < raw.length) {
        out.deferred.push({ recipient: rcpt, reason: 'The mailbox is full.' });
        continue;
      }
      room.set(accountId, left - raw.length);
      rows.push({ folderId: inboxOf.get(accountId)!, accountId, sha, size: raw.length, summary });
      out.deliveredTo.push(rcpt);
      out.accountIds.push(accountId);
    }
  }
  await insertMessages(trx, rows);
  return outcomes;
}
