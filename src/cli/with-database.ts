import type { Kysely } from 'kysely';
import type { Settings } from '../config/settings.ts';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { DB } from '../db/schema.ts';

/** Opens the database (bringing the schema up to date), runs `work`, and always closes it. */
export async function withDatabase<T>(settings: Settings, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 2 });
  try {
    await migrateToLatest(database.db);
    return await work(database.db);
  } finally {
    await database.close();
  }
}
