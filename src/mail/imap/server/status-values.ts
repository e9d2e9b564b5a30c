/** STATUS items for one folder, shared by STATUS and LIST-STATUS (RFC 5819). */
import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.ts';
import { folderCounts, getFolderById, recentCount, type Folder } from '../../store/index.ts';
import type { StatusItem, StatusValues } from '../protocol/index.ts';

export async function statusValues(db: Kysely<DB>, folder: Folder, items: StatusItem[], maxMessageBytes: number): Promise<StatusValues> {
  const needsCounts = items.some((i) => i === 'MESSAGES' || i === 'UNSEEN' || i === 'DELETED' || i === 'SIZE');
  const [counts, recent] = await Promise.all([
    needsCounts ? folderCounts(db, folder.id) : null,
    items.includes('RECENT') ? recentCount(db, folder.id) : 0,
  ]);
  // the folder row may be older than the counts; read it again so UIDNEXT is never behind MESSAGES
  const fresh = (await getFolderById(db, folder.id)) ?? folder;
  return items.map((item): [StatusItem, number] => {
    switch (item) {
      case 'MESSAGES': return [item, counts!.messages];
      case 'RECENT': return [item, recent];
      case 'UIDNEXT': return [item, fresh.uidNext];
      case 'UIDVALIDITY': return [item, fresh.uidValidity];
      case 'UNSEEN': return [item, counts!.unseen];
      case 'DELETED': return [item, counts!.deleted];
      case 'SIZE': return [item, counts!.bytes];
      case 'HIGHESTMODSEQ': return [item, fresh.highestModseq];
      case 'APPENDLIMIT': return [item, maxMessageBytes];
    }
  });
}
