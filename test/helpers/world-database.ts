import { after, before } from 'node:test';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { demoWorld } from './world.ts';

export interface WorldDatabase {
  database: TestDatabase;
  world: Awaited<ReturnType<typeof demoWorld>>;
  /** The id of the account with this address. */
  idOf(email: string): Promise<string>;
}

/**
 * For a test file whose tests share one database holding the demo world:
 * opened before the first test, closed after the last. The fields are filled
 * in by then, not when this returns; `ready` runs once they are.
 */
export function worldDatabase(ready?: () => Promise<void>): WorldDatabase {
  const t = {
    async idOf(email: string) {
      return (await t.database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    },
  } as WorldDatabase;
  before(async () => {
    t.database = await openTestDatabase();
    t.world = await demoWorld(t.database.db);
    await ready?.();
  });
  after(async () => {
    await t.database?.close();
  });
  return t;
}
