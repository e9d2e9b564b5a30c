import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { simpleParser } from 'mailparser';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { acceptMessage } from '../queue/accept.ts';
import { classifyRecipient } from './domain-class.ts';
import { loadClassifyContext } from './accredited-domains.ts';
import { codeMatches, hashCode, newCodeSalt, newOneTimeCode, type Keyring } from './envelope-crypto.ts';
import { accessCodeEmail, secureForwardEmail, secureReplyEmail } from './notices.ts';
import { hashToken, noReplyAddress, openSealed, openSubject, type SecureMessageState, stateOf } from './secure-messages.ts';
import { htmlToScanText } from './patient-data-check.ts';
import './tables.ts';

/**
 * What the outside recipient does on the secure page: prove they own the
 * address with a one-time code sent to it (10 minutes, 5 tries), then read the
 * message and its attachments, reply to the sender or forward it into the
 * service. Every step re-checks that the message is neither revoked nor expired.
 */
export const CODE_MINUTES = 10;
export const CODE_TRIES = 5;
/** A reading session lasts this long after the code is accepted. */
export const READER_MINUTES = 30;
/** Codes one message may have sent in all, so a link cannot be used to flood the recipient. */
export const MAX_CODES = 20;

export type SecureLinkTarget = { id: string; recipient: string; sender: string; state: SecureMessageState; expiresAt: Date };

export async function findByLinkToken(db: Kysely<DB>, token: string, now = new Date()): Promise<SecureLinkTarget | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const row = await db.selectFrom('secure_messages').select(['id', 'recipient_address', 'sender_address', 'revoked_at', 'expires_at', 'sealed_message']).where('link_token_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row) return null;
  return { id: row.id, recipient: row.recipient_address, sender: row.sender_address, state: stateOf(row, now), expiresAt: row.expires_at };
}

export type CodeSent = { sent: true; to: string } | { sent: false; reason: 'not-readable' | 'too-many-codes' };

/** Makes a new code (the previous one stops working) and queues it by email to the recipient. */
export async function sendAccessCode(db: Kysely<DB>, messageId: string, o: { localDomains: string[]; now?: Date }): Promise<CodeSent> {
  const now = o.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('secure_messages').selectAll().where('id', '=', messageId).forUpdate().executeTakeFirst();
    if (!row || stateOf(row, now) !== 'readable') return { sent: false, reason: 'not-readable' } as const;
    if (row.codes_sent >= MAX_CODES) return { sent: false, reason: 'too-many-codes' } as const;
    const code = newOneTimeCode();
    const salt = newCodeSalt();
    await trx
      .updateTable('secure_messages')
      .set({ code_salt: salt, code_hash: hashCode(code, salt), code_expires_at: new Date(now.getTime() + CODE_MINUTES * 60_000), code_attempts: 0, codes_sent: row.codes_sent + 1 })
      .where('id', '=', messageId)
      .execute();
    const raw = await accessCodeEmail({ recipient: row.recipient_address, code, minutes: CODE_MINUTES, noReply: noReplyAddress(o.localDomains) });
    // A null envelope sender: nothing should come back to a code.
    await acceptMessage(trx, { from: '', recipients: [row.recipient_address], raw, origin: 'system', localDomains: o.localDomains });
    return { sent: true, to: row.recipient_address } as const;
  });
}

export type CodeCheck =
  | { ok: true; sessionToken: string }
  | { ok: false; reason: 'not-readable' | 'no-code' | 'expired' | 'too-many-tries' | 'wrong'; triesLeft: number };

export async function verifyAccessCode(db: Kysely<DB>, messageId: string, typed: string, now = new Date()): Promise<CodeCheck> {
  return db.transaction().execute(async (trx): Promise<CodeCheck> => {
    const row = await trx.selectFrom('secure_messages').selectAll().where('id', '=', messageId).forUpdate().executeTakeFirst();
    if (!row || stateOf(row, now) !== 'readable') return { ok: false, reason: 'not-readable', triesLeft: 0 };
    if (!row.code_hash || !row.code_salt || !row.code_expires_at) return { ok: false, reason: 'no-code', triesLeft: 0 };
    if (row.code_attempts >= CODE_TRIES) return { ok: false, reason: 'too-many-tries', triesLeft: 0 };
    if (row.code_expires_at.getTime() <= now.getTime()) return { ok: false, reason: 'expired', triesLeft: 0 };
    const attempts = row.code_attempts + 1;
    if (!codeMatches(typed, row.code_salt, row.code_hash)) {
      await trx.updateTable('secure_messages').set({ code_attempts: attempts }).where('id', '=', messageId).execute();
      const triesLeft = CODE_TRIES - attempts;
      return { ok: false, reason: triesLeft > 0 ? 'wrong' : 'too-many-tries', triesLeft };
    }
    // A code works once.
    await trx.updateTable('secure_messages').set({ code_hash: null, code_salt: null, code_expires_at: null, code_attempts: 0 }).where('id', '=', messageId).execute();
    const sessionToken = randomBytes(32).toString('base64url');
    await trx.insertInto('secure_reader_sessions').values({ token_hash: hashToken(sessionToken), message_id: messageId, expires_at: new Date(now.getTime() + READER_MINUTES * 60_000) }).execute();
    await appendAudit(trx, { actor: { id: null, label: row.recipient_address }, action: 'secure.recipient.verified', target: { type: 'secure_message', id: messageId }, frontDoor: 'portal' });
    return { ok: true, sessionToken };
  });
}

/** Is this reading session (cookie) valid for this message, and is the message still readable? */
export async function readerMayRead(db: Kysely<DB>, messageId: string, sessionToken: string | undefined, now = new Date()): Promise<boolean> {
  if (!sessionToken) return false;
  const row = await db
    .selectFrom('secure_reader_sessions as s')
    .innerJoin('secure_messages as m', 'm.id', 's.message_id')
    .select(['m.revoked_at', 'm.expires_at', 'm.sealed_message', 's.expires_at as session_expires'])
    .where('s.token_hash', '=', hashToken(sessionToken))
    .where('s.message_id', '=', messageId)
    .executeTakeFirst();
  return Boolean(row && row.session_expires.getTime() > now.getTime() && stateOf(row, now) === 'readable');
}

export type ReadableMessage = {
  id: string; from: string; to: string; subject: string; date: Date | null; text: string;
  attachments: Array<{ index: number; filename: string; contentType: string; size: number }>;
};

async function load(db: Kysely<DB>, messageId: string, keyring: Keyring) {
  const row = await db.selectFrom('secure_messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
  const raw = openSealed(row, keyring);
  return { row, raw, parsed: await simpleParser(raw, { skipImageLinks: true }) };
}

/** Opens the message for the verified recipient and records that it was read. */
export async function readSecureMessage(db: Kysely<DB>, messageId: string, keyring: Keyring, now = new Date()): Promise<ReadableMessage> {
  const { row, parsed } = await load(db, messageId, keyring);
  await sql`update secure_messages set read_count = read_count + 1, last_read_at = ${now}, first_read_at = coalesce(first_read_at, ${now}) where id = ${messageId}`.execute(db);
  // The page shows text only: the sender's HTML never runs in the recipient's browser on our origin.
  const text = parsed.text ?? (typeof parsed.html === 'string' ? htmlToScanText(parsed.html) : '');
  return {
    id: messageId, from: parsed.from?.text ?? row.sender_address, to: row.recipient_address, subject: openSubject(row, keyring) ?? '', date: parsed.date ?? null, text,
    attachments: parsed.attachments.map((a, index) => ({ index, filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, size: a.size })),
  };
}

export async function secureAttachment(db: Kysely<DB>, messageId: string, index: number, keyring: Keyring): Promise<{ filename: string; contentType: string; content: Buffer } | null> {
  const { parsed } = await load(db, messageId, keyring);
  const a = parsed.attachments[index];
  return a ? { filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, content: a.content } : null;
}

/** The recipient's reply: delivered to the sender's INBOX inside the service, never in clear to the internet. */
export async function replyToSender(db: Kysely<DB>, messageId: string, text: string, keyring: Keyring, o: { localDomains: string[] }): Promise<void> {
  const { row, parsed } = await load(db, messageId, keyring);
  const subject = openSubject(row, keyring) ?? '';
  const raw = await secureReplyEmail({
    from: row.recipient_address, to: row.sender_address, subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`, text,
    inReplyTo: parsed.messageId ?? null,
  });
  await db.transaction().execute(async (trx) => {
    await acceptMessage(trx, { from: row.recipient_address, recipients: [row.sender_address], raw, origin: 'system', localDomains: o.localDomains });
    await sql`update secure_messages set replies = replies + 1 where id = ${messageId}`.execute(trx);
    await appendAudit(trx, { actor: { id: null, label: row.recipient_address }, action: 'secure.recipient.reply', target: { type: 'secure_message', id: messageId }, frontDoor: 'portal' });
  });
}

export class ForwardRefused extends Error {}

/** Forward into the service (the sender's side): only to addresses the service hosts. */
export async function forwardIntoService(db: Kysely<DB>, messageId: string, to: string, text: string, keyring: Keyring, o: { localDomains: string[] }): Promise<void> {
  const address = to.trim().toLowerCase();
  const ctx = await loadClassifyContext(db, o.localDomains);
  if (classifyRecipient(address, ctx) !== 'service') {
    throw new ForwardRefused(`You can forward this email only to addresses on Caremail (ending ${o.localDomains.map((d) => '@' + d).join(' or ')}).`);
  }
  const exists = await db.selectFrom('mail_addresses').select('address').where('address', '=', address).executeTakeFirst();
  if (!exists) throw new ForwardRefused(`There is no mailbox ${address} on Caremail. Check the address and try again.`);
  const { row, raw: original } = await load(db, messageId, keyring);
  const subject = openSubject(row, keyring) ?? '';
  const raw = await secureForwardEmail({ from: row.recipient_address, to: address, subject: /^fwd?:/i.test(subject) ? subject : `Fwd: ${subject}`, text, original });
  await db.transaction().execute(async (trx) => {
    await acceptMessage(trx, { from: row.recipient_address, recipients: [address], raw, origin: 'system', localDomains: o.localDomains });
    await appendAudit(trx, { actor: { id: null, label: row.recipient_address }, action: 'secure.recipient.forward', target: { type: 'secure_message', id: messageId }, frontDoor: 'portal', detail: { to: address } });
  });
}
