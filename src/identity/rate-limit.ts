import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import './mfa/tables.ts';

/**
 * Counting attempts in the database, so the limit holds across every process
 * serving it: one row per attempt, counted over a sliding window. An advisory
 * lock on the bucket makes "count, then record" one step, so two processes
 * cannot both take the last attempt.
 */
export type Limit = { max: number; windowMinutes: number };

export type LimitResult = { allowed: true } | { allowed: false; retryAt: Date };

export async function takeAttempt(db: Kysely<DB>, bucket: string, limit: Limit, now = new Date()): Promise<LimitResult> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${bucket}, 727))`.execute(trx);
    const since = new Date(now.getTime() - limit.windowMinutes * 60_000);
    await trx.deleteFrom('rate_limit_events').where('bucket', '=', bucket).where('at', '<', since).execute();
    const rows = await trx.selectFrom('rate_limit_events').select('at').where('bucket', '=', bucket).orderBy('at').execute();
    if (rows.length >= limit.max) {
      return { allowed: false as const, retryAt: new Date(rows[0].at.getTime() + limit.windowMinutes * 60_000) };
    }
    await trx.insertInto('rate_limit_events').values({ bucket, at: now }).execute();
    return { allowed: true as const };
  });
}
