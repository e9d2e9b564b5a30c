import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type MessageListItem, newestPage } from './read.ts';
import { SEARCH_CONFIG } from './write.ts';
import './tables.ts';

/**
 * Webmail's search form: each field narrows the result. Body text (and any
 * word) uses the full-text index made at delivery; sender, recipient and
 * subject match the decoded header text (case-insensitive, anywhere in it);
 * the dates are the day the message arrived. Newest first.
 */
export type FindCriteria = {
  /** Words anywhere (subject, addresses, body), web-search syntax. */
  text?: string;
  from?: string;
  to?: string;
  subject?: string;
  /** Arrived on or after. */
  since?: Date;
  /** Arrived before. */
  before?: Date;
  folderId?: string;
};

export const COUNT_CAP = 1000;

function like(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function findMessages(
  db: Kysely<DB>,
  accountId: string,
  c: FindCriteria,
  opts: { limit?: number; offset?: number } = {},
): Promise<{ total: number; totalIsAtLeast: boolean; items: MessageListItem[] }> {
  let q = db.selectFrom('mail_messages as m').where('m.account_id', '=', accountId);
  if (c.folderId) q = q.where('m.folder_id', '=', c.folderId);
  if (c.text?.trim()) q = q.where(sql<boolean>`m.search @@ websearch_to_tsquery(${sql.lit(SEARCH_CONFIG)}::regconfig, ${c.text.trim()})`);
  if (c.from?.trim()) q = q.where(sql<boolean>`m.from_text ilike ${like(c.from.trim())}`);
  if (c.to?.trim()) q = q.where(sql<boolean>`m.to_text ilike ${like(c.to.trim())}`);
  if (c.subject?.trim()) q = q.where(sql<boolean>`m.subject ilike ${like(c.subject.trim())}`);
  if (c.since) q = q.where('m.internal_date', '>=', c.since);
  if (c.before) q = q.where('m.internal_date', '<', c.before);
  // Counting stops at COUNT_CAP: "more than 1,000 messages" is as useful as the exact figure, and far cheaper.
  const counted = await db
    .selectFrom(q.select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1).as('m'))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(counted.n);
  return {
    total: Math.min(n, COUNT_CAP),
    totalIsAtLeast: n > COUNT_CAP,
    items: await newestPage(db, q, opts),
  };
}
