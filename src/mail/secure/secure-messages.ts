import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { acceptMessage } from '../queue/accept.ts';
import { type Keyring, type ServiceKey, openMessage, sealMessage, sealedFromJson, sealedToJson } from './envelope-crypto.ts';
import { notificationEmail, secureLink } from './notices.ts';
import { stripSecureMarker } from './secure-subject.ts';
import { NotFoundError } from '../../shared/errors.ts';
import './tables.ts';

/**
 * Secure messages to outside recipients (SPEC 7): one record per recipient,
 * the whole message sealed under its own key (wrapped by the service key),
 * reached through a link whose token only the notification carries (the
 * database keeps its SHA-256). Revoking or expiry erases the sealed bytes.
 */
export type SecureOptions = {
  serviceKey: ServiceKey;
  /** Keys that may open older messages (the current one included). */
  keyring: Keyring;
  publicUrl: string;
  messageDays: number;
  localDomains: string[];
};

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const aad = (id: string, what: 'message' | 'subject') => Buffer.from(`${id}:${what}`, 'utf8');

export function noReplyAddress(localDomains: string[]): string {
  return `no-reply@${localDomains[0]}`;
}

export type CreatedSecureMessage = { id: string; recipient: string; link: string };

/**
 * Seals the message for each outside recipient and queues each one a plain
 * notification, in the caller's transaction (so the message is accepted and
 * its notifications queued together, or neither).
 */
export async function createSecureMessages(
  trx: Kysely<DB>,
  m: { senderAccountId: string; senderAddress: string; raw: Buffer; subject: string; recipients: Array<{ address: string; reason: string }>; now?: Date },
  o: SecureOptions,
): Promise<CreatedSecureMessage[]> {
  const sender = await trx.selectFrom('accounts').select(['display_name']).where('id', '=', m.senderAccountId).executeTakeFirstOrThrow();
  const now = m.now ?? new Date();
  const expiresAt = new Date(now.getTime() + o.messageDays * 86_400_000);
  const created: CreatedSecureMessage[] = [];
  for (const r of m.recipients) {
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    await trx
      .insertInto('secure_messages')
      .values({
        id, sender_account_id: m.senderAccountId, sender_address: m.senderAddress.toLowerCase(), recipient_address: r.address.toLowerCase(), reason: r.reason,
        sealed_message: JSON.stringify(sealedToJson(sealMessage(m.raw, o.serviceKey, aad(id, 'message')))),
        sealed_subject: JSON.stringify(sealedToJson(sealMessage(Buffer.from(stripSecureMarker(m.subject), 'utf8'), o.serviceKey, aad(id, 'subject')))),
        size_bytes: m.raw.length, link_token_hash: hashToken(token), created_at: now, expires_at: expiresAt,
      })
      .execute();
    const link = secureLink(o.publicUrl, token);
    const notice = await notificationEmail({ senderName: sender.display_name, senderAddress: m.senderAddress, recipient: r.address, link, expiresAt, noReply: noReplyAddress(o.localDomains) });
    // The envelope sender is the person who sent it, so a notification that cannot be delivered comes back to them.
    await acceptMessage(trx, { from: m.senderAddress, recipients: [r.address], raw: notice, origin: 'system', localDomains: o.localDomains });
    await appendAudit(trx, {
      actor: { id: m.senderAccountId, label: m.senderAddress }, action: 'secure.message.send', target: { type: 'secure_message', id },
      frontDoor: 'smtp', detail: { recipient: r.address.toLowerCase(), reason: r.reason, bytes: m.raw.length },
    });
    created.push({ id, recipient: r.address.toLowerCase(), link });
  }
  return created;
}

export type SecureMessageState = 'readable' | 'revoked' | 'expired';

export function stateOf(row: { revoked_at: Date | null; expires_at: Date; sealed_message: unknown }, now = new Date()): SecureMessageState {
  if (row.revoked_at) return 'revoked';
  if (row.expires_at.getTime() <= now.getTime() || row.sealed_message === null) return 'expired';
  return 'readable';
}

export function openSealed(row: { id: string; sealed_message: unknown }, keyring: Keyring): Buffer {
  return openMessage(sealedFromJson(row.sealed_message), keyring, aad(row.id, 'message'));
}

export function openSubject(row: { id: string; sealed_subject: unknown }, keyring: Keyring): string | null {
  if (row.sealed_subject === null) return null;
  return openMessage(sealedFromJson(row.sealed_subject), keyring, aad(row.id, 'subject')).toString('utf8');
}

export type SentSecureMessage = {
  id: string; recipient: string; subject: string | null; sentAt: Date; expiresAt: Date; state: SecureMessageState;
  firstReadAt: Date | null; lastReadAt: Date | null; readCount: number; replies: number;
};

/** The sender's own list ("Secure messages you sent"), newest first. */
export async function listSentSecureMessages(db: Kysely<DB>, accountId: string, keyring: Keyring, opts: { limit?: number; now?: Date } = {}): Promise<SentSecureMessage[]> {
  const rows = await db.selectFrom('secure_messages').selectAll().where('sender_account_id', '=', accountId).orderBy('created_at', 'desc').limit(opts.limit ?? 200).execute();
  return rows.map((r) => {
    let subject: string | null = null;
    try {
      subject = openSubject(r, keyring);
    } catch {
      subject = null; // a retired key: the list still shows the rest
    }
    return {
      id: r.id, recipient: r.recipient_address, subject, sentAt: r.created_at, expiresAt: r.expires_at, state: stateOf(r, opts.now),
      firstReadAt: r.first_read_at, lastReadAt: r.last_read_at, readCount: r.read_count, replies: r.replies,
    };
  });
}

/** The sender withdraws a message: the sealed bytes are erased at once and open reading sessions end. */
export async function revokeSecureMessage(db: Kysely<DB>, accountId: string, id: string, via: { ip?: string | null } = {}): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('secure_messages').select(['id', 'sender_account_id', 'sender_address', 'revoked_at', 'recipient_address']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row || row.sender_account_id !== accountId) throw new NotFoundError('That secure message does not exist, or you did not send it.');
    if (row.revoked_at) return;
    await trx
      .updateTable('secure_messages')
      .set({ revoked_at: new Date(), erased_at: new Date(), sealed_message: null, code_hash: null, code_salt: null })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('secure_reader_sessions').where('message_id', '=', id).execute();
    await appendAudit(trx, {
      actor: { id: accountId, label: row.sender_address }, action: 'secure.message.revoke', target: { type: 'secure_message', id },
      frontDoor: 'portal', ip: via.ip ?? null, detail: { recipient: row.recipient_address },
    });
  });
}

/**
 * Erases what has expired: the sealed message and its reading sessions. The
 * record (who, to whom, when, whether read) stays for the sender's list, with
 * the subject, until the record itself is a year past expiry.
 */
export async function eraseExpiredSecureMessages(db: Kysely<DB>, now = new Date()): Promise<number> {
  const erased = await db
    .updateTable('secure_messages')
    .set({ sealed_message: null, erased_at: now, code_hash: null, code_salt: null })
    .where('expires_at', '<=', now)
    .where('erased_at', 'is', null)
    .returning('id')
    .execute();
  if (erased.length) await db.deleteFrom('secure_reader_sessions').where('message_id', 'in', erased.map((e) => e.id)).execute();
  await db.deleteFrom('secure_messages').where('expires_at', '<=', new Date(now.getTime() - 365 * 86_400_000)).execute();
  await db.deleteFrom('secure_reader_sessions').where('expires_at', '<=', now).execute();
  return erased.length;
}

/** Runs the erasure hourly in every process; each row is erased once whoever gets there first. */
export function startSecureMessageExpiry(db: Kysely<DB>, onError: (err: unknown) => void, everyMs = 3_600_000): { stop(): Promise<void> } {
  const run = () => void eraseExpiredSecureMessages(db).catch(onError);
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}

