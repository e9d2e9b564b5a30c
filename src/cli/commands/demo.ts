import { createDemoWorld, databaseIsEmpty, DEMO_PASSWORD } from '../../demo/world.ts';
import type { Command } from '../command.ts';
import { withDatabase } from '../with-database.ts';

export const demo: Command = {
  words: ['demo'],
  summary: 'Create the demo world in an empty database.',
  usage: 'caremail demo',
  help: ['Refused unless CAREMAIL_DEMO=1, and only on an empty database.'],
  async run(_args, settings, io) {
    if (!settings.demo) {
      io.err('Demo accounts have published passwords, so they are made only when CAREMAIL_DEMO=1.');
      return 1;
    }
    return withDatabase(settings, async (db) => {
      if (!(await databaseIsEmpty(db))) {
        io.err('The database already has organisations in it; the demo world is made only in an empty one.');
        return 1;
      }
      const made = await createDemoWorld(db, settings.domain);
      for (const m of made) io.out(`${m.email.padEnd(36)} ${m.role}`);
      io.out(`Password for every demo account: ${DEMO_PASSWORD}`);
      return 0;
    });
  },
};
