import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * Portal sessions live in the database, so any process serving the same
 * database recognises them. The cookie holds a random token; the table holds
 * only its SHA-256, so a database reader cannot take over a session.
 */
export type SessionPolicy = { idleMinutes: number; maxHours: number };

export type Session = { idHash: string; accountId: string; csrfToken: string; createdAt: Date; lastSeenAt: Date };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Writing last_seen_at on every request would turn every page view into a write;
// but it must be written well within the idle limit, or a short limit would end
// a session in use one idle period after it began.
const TOUCH_EVERY_MS = 60_000;
const touchEvery = (policy: SessionPolicy) => Math.min(TOUCH_EVERY_MS, (policy.idleMinutes * 60_000) / 2);

export async function createSession(
  db: Kysely<DB>,
  accountId: string,
  meta: { userAgent?: string | null; ip?: string | null },
  policy: SessionPolicy,
): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const now = new Date();
  const idHash = hashToken(token);
  await db
    .insertInto('sessions')
    .values({
      id_hash: idHash,
      account_id: accountId,
      csrf_token: csrfToken,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + policy.maxHours * 3_600_000),
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      ip: meta.ip ?? null,
    })
    .execute();
  return { token, session: { idHash, accountId, csrfToken, createdAt: now, lastSeenAt: now } };
}

export async function loadSession(db: Kysely<DB>, token: string, policy: SessionPolicy, now = new Date()): Promise<Session | null> {
  if (!token || token.length > 100) return null;
  const idHash = hashToken(token);
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) return null;
  const idleLimit = row.last_seen_at.getTime() + policy.idleMinutes * 60_000;
  if (now.getTime() > idleLimit || now > row.expires_at) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() > touchEvery(policy)) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { idHash, accountId: row.account_id, csrfToken: row.csrf_token, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
}

export async function endSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', hashToken(token)).execute();
}

export async function endAllSessions(db: Kysely<DB>, accountId: string): Promise<number> {
  const res = await db.deleteFrom('sessions').where('account_id', '=', accountId).executeTakeFirst();
  return Number(res.numDeletedRows);
}
