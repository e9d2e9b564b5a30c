import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import './mfa/tables.ts';

/**
 * Between a right password and the second factor the person is not signed in:
 * they hold a short-lived pending sign-in, kept in the database (any process
 * may finish it) by the SHA-256 of a random token in their cookie. Five wrong
 * codes end it, and they start again from the password.
 */
export const PENDING_MINUTES = 10;
export const PENDING_TRIES = 5;

export type PendingSignIn = { idHash: string; accountId: string; next: string | null; attempts: number };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function startPendingSignIn(db: Kysely<DB>, accountId: string, next: string | null, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.deleteFrom('pending_sign_ins').where('expires_at', '<', now).execute();
  await db
    .insertInto('pending_sign_ins')
    .values({ id_hash: hashToken(token), account_id: accountId, next, expires_at: new Date(now.getTime() + PENDING_MINUTES * 60_000) })
    .execute();
  return token;
}

export async function loadPendingSignIn(db: Kysely<DB>, token: string | undefined, now = new Date()): Promise<PendingSignIn | null> {
  if (!token || token.length > 100) return null;
  const row = await db.selectFrom('pending_sign_ins').selectAll().where('id_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.expires_at.getTime() < now.getTime()) return null;
  return { idHash: row.id_hash, accountId: row.account_id, next: row.next, attempts: row.attempts };
}

/** Counts a wrong code; returns false when that was the last try (the pending sign-in is gone). */
export async function failPendingSignIn(db: Kysely<DB>, pending: PendingSignIn): Promise<boolean> {
  const row = await db
    .updateTable('pending_sign_ins')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id_hash', '=', pending.idHash)
    .returning('attempts')
    .executeTakeFirst();
  if (!row || row.attempts >= PENDING_TRIES) {
    await db.deleteFrom('pending_sign_ins').where('id_hash', '=', pending.idHash).execute();
    return false;
  }
  return true;
}

/** Ends the pending sign-in; true only for the one caller that ended it, so it completes once. */
export async function finishPendingSignIn(db: Kysely<DB>, pending: PendingSignIn): Promise<boolean> {
  const res = await db.deleteFrom('pending_sign_ins').where('id_hash', '=', pending.idHash).executeTakeFirst();
  return Number(res.numDeletedRows) === 1;
}
