import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../../src/config/settings.ts';
import { openTestDatabase, type TestDatabase } from './db.ts';
import { testPortal } from './portal.ts';
import { demoWorld } from './world.ts';

export interface PortalWorld {
  database: TestDatabase;
  world: Awaited<ReturnType<typeof demoWorld>>;
  app: FastifyInstance;
  /** The id of the account with this address. */
  idOf(email: string): Promise<string>;
}

/**
 * For a test file whose tests share one database holding the demo world and one
 * Portal over it: opens them before the first test and closes them after the last.
 * The fields are filled in by then, not when this returns.
 */
export function portalWorld(overrides: Partial<Settings> = {}): PortalWorld {
  const t = {
    async idOf(email: string) {
      return (await t.database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    },
  } as PortalWorld;
  before(async () => {
    t.database = await openTestDatabase();
    t.world = await demoWorld(t.database.db);
    t.app = await testPortal(t.database, overrides);
  });
  after(async () => {
    await t.app?.close();
    await t.database?.close();
  });
  return t;
}
