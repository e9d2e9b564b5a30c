import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { QuotaExceededError, wouldExceedQuota } from './usage.ts';
import { insertMessage, type StoredCopy } from './write.ts';
import './tables.ts';

/**
 * APPEND (IMAP), saving a draft or a copy in Sent (webmail): one message into
 * one folder of its owner, within the owner's quota.
 */
export async function appendMessage(
  db: Kysely<DB>,
  folder: { id: string; accountId: string },
  raw: Buffer,
  opts: { flags?: string[]; internalDate?: Date; enforceQuota?: boolean } = {},
): Promise<StoredCopy> {
  return db.transaction().execute(async (trx) => {
    if ((opts.enforceQuota ?? true) && (await wouldExceedQuota(trx, folder.accountId, raw.length))) throw new QuotaExceededError();
    const [copy] = await insertMessage(trx, raw, [{ folderId: folder.id, accountId: folder.accountId }], opts);
    return copy;
  });
}
