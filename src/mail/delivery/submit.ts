import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { parseHeaders } from '../mime/parse.ts';
import { folderBySpecialUse } from '../store/folders.ts';
import { insertMessage } from '../store/write.ts';
import { mailboxUsage } from '../store/usage.ts';
import { acceptMessage, type Accepted, normaliseLineEndings } from '../queue/accept.ts';
import { plausibleAddress, sendableAddresses } from './recipients.ts';
import addressparser from 'nodemailer/lib/addressparser';
import { applyOutboundPolicy, type OutboundPolicyOptions } from '../secure/outbound-policy.ts';

/**
 * Sending as a signed-in person: the one path for SMTP submission and
 * webmail. An account marked compromised (`sending_blocked`), not active, or
 * over its quota cannot send; the envelope sender and the From header must be
 * its own address or an alias it may send as. DKIM signing happens when the
 * message leaves for the internet (the queue's remote delivery).
 */
export type RefusalCode = 'sending_blocked' | 'not_active' | 'over_quota' | 'sender_not_allowed' | 'no_recipients' | 'bad_recipient';

export class SubmissionRefused extends Error {
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
  }
}

const MAY_SEND = new Set(['active', 'leaver', 'inactive']);

/** Checks the account may send at all (before any message is read). */
export async function checkCanSend(db: Kysely<DB>, accountId: string): Promise<void> {
  // to_jsonb reads sending_blocked when the identity migration has added it, and finds nothing when it has not.
  const row = await sql<{ status: string; blocked: string | null }>`
    select a.status, to_jsonb(a) ->> 'sending_blocked' as blocked from accounts a where a.id = ${accountId}`.execute(db);
  const a = row.rows[0];
  if (!a || !MAY_SEND.has(a.status)) throw new SubmissionRefused('not_active', 'This account cannot send mail. Contact your Local Administrator.');
  if (a.blocked === 'true') {
    throw new SubmissionRefused('sending_blocked', 'Sending from this account has been stopped because it may have been compromised. Contact your Local Administrator or helpdesk.');
  }
  const u = await mailboxUsage(db, accountId);
  if (u.usedBytes >= u.quotaBytes) {
    throw new SubmissionRefused('over_quota', 'Your mailbox is full, so you cannot send mail. Delete messages you no longer need and empty Trash, then try again.');
  }
}

/** Checks an envelope sender against the addresses the account may send as. */
export async function checkSender(db: Kysely<DB>, accountId: string, address: string): Promise<void> {
  const allowed = await sendableAddresses(db, accountId);
  if (!allowed.includes(address.trim().toLowerCase())) {
    throw new SubmissionRefused('sender_not_allowed', `You cannot send as ${address}. Send from ${allowed[0] ?? 'your own address'} or an alias you have been given.`);
  }
}

function headerFromAddresses(raw: Buffer): string[] {
  const end = raw.indexOf('\r\n\r\n');
  const headers = parseHeaders(raw.toString('utf8', 0, end >= 0 ? end : Math.min(raw.length, 256 * 1024)));
  const from = headers.filter((h) => h.name.toLowerCase() === 'from').map((h) => h.value);
  return from.flatMap((v) => addressparser(v, { flatten: true }).map((a) => a.address.toLowerCase()));
}

export async function submitMessage(
  db: Kysely<DB>,
  accountId: string,
  original: Buffer,
  envelope: { from?: string; recipients: string[] },
  opts: { localDomains: string[]; saveToSent?: boolean; secure?: OutboundPolicyOptions },
): Promise<Accepted> {
  const raw = normaliseLineEndings(original);
  await checkCanSend(db, accountId);
  const allowed = await sendableAddresses(db, accountId);
  const sender = (envelope.from ?? allowed[0] ?? '').toLowerCase();
  await checkSender(db, accountId, sender);
  const headerFrom = headerFromAddresses(raw);
  if (!headerFrom.length || headerFrom.some((a) => !allowed.includes(a))) {
    throw new SubmissionRefused('sender_not_allowed', `The From line must be your own address (${allowed[0] ?? ''}) or an alias you may send as.`);
  }
  if (!envelope.recipients.length) throw new SubmissionRefused('no_recipients', 'The message has no recipients.');
  const bad = envelope.recipients.find((r) => !plausibleAddress(r.trim().toLowerCase()));
  if (bad) throw new SubmissionRefused('bad_recipient', `${bad} is not a valid email address.`);
  return db.transaction().execute(async (trx) => {
    // Secure messaging (SPEC 7): refuses patient data to outside addresses, seals [secure] mail for them; the rest goes as it is.
    const policy = await applyOutboundPolicy(trx, { accountId, sender, recipients: envelope.recipients, raw }, { localDomains: opts.localDomains, secure: opts.secure });
    const accepted: Accepted = policy.deliverInClear.length
      ? await acceptMessage(trx, { from: sender, recipients: policy.deliverInClear, raw, origin: 'submission', localDomains: opts.localDomains })
      : { queueIds: [], sha256: '' };
    if (opts.saveToSent) {
      const sent = await folderBySpecialUse(trx, accountId, '\\Sent');
      await insertMessage(trx, raw, [{ folderId: sent.id, accountId }], { flags: ['\\Seen'], sha: accepted.sha256 || undefined });
    }
    return accepted;
  });
}
