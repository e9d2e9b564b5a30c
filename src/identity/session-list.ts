import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';

/**
 * A person's own Portal sessions: where they are signed in, and signing out of
 * one or all of them. A session is named to its owner by its stored hash,
 * which cannot be turned back into the cookie.
 */
export type SessionSummary = { id: string; userAgent: string | null; ip: string | null; createdAt: Date; lastSeenAt: Date; current: boolean };

export async function listSessions(db: Kysely<DB>, accountId: string, currentHash: string | null, now = new Date()): Promise<SessionSummary[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id_hash', 'user_agent', 'ip', 'created_at', 'last_seen_at'])
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id_hash, userAgent: r.user_agent, ip: r.ip, createdAt: r.created_at, lastSeenAt: r.last_seen_at, current: r.id_hash === currentHash }));
}

type Ctx = { frontDoor: FrontDoor; ip?: string | null };

async function audit(db: Kysely<DB>, accountId: string, action: string, detail: Record<string, unknown>, ctx: Ctx) {
  const a = await db.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', accountId).executeTakeFirstOrThrow();
  await appendAudit(db, {
    actor: { id: accountId, label: a.email },
    action,
    target: { type: 'account', id: accountId },
    organisationId: a.organisation_id,
    frontDoor: ctx.frontDoor,
    ip: ctx.ip,
    detail,
  });
}

/** Ends one of the person's own sessions; another person's session id does nothing. */
export async function endOwnSession(db: Kysely<DB>, accountId: string, sessionId: string, ctx: Ctx): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('sessions').where('account_id', '=', accountId).where('id_hash', '=', sessionId).executeTakeFirst();
    const ended = Number(res.numDeletedRows) > 0;
    if (ended) await audit(trx, accountId, 'session.end', { sessions: 1 }, ctx);
    return ended;
  });
}

/** "Sign out everywhere": every session of the account, this one included. */
export async function endEverySession(db: Kysely<DB>, accountId: string, ctx: Ctx): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('sessions').where('account_id', '=', accountId).executeTakeFirst();
    const n = Number(res.numDeletedRows);
    await audit(trx, accountId, 'session.end_all', { sessions: n }, ctx);
    return n;
  });
}

/** A short description of a browser from its user agent, for people rather than machines. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrom(e|ium)\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : null;
  const system = /Windows/.test(userAgent) ? 'Windows' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Android/.test(userAgent) ? 'Android' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}
