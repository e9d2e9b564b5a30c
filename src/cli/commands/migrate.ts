import { openDatabase } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import type { Command } from '../command.ts';

export const migrate: Command = {
  words: ['migrate'],
  summary: 'Bring the database schema up to date.',
  usage: 'caremail migrate',
  help: ['Safe to run at any time: migrations already applied are skipped. `serve` does this too at start.'],
  async run(_args, settings, io) {
    const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, poolSize: 1 });
    try {
      const applied = await migrateToLatest(database.db);
      io.out(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is already up to date.');
      return 0;
    } finally {
      await database.close();
    }
  },
};
