import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { accountActor } from '../../src/identity/actor.ts';
import { DEMO_SEED_MARKER } from '../../src/identity/mfa/totp.ts';
import type { Actor } from '../../src/identity/authorise.ts';

export const DOMAIN = 'care.example';

/** The demo world, with helpers to fetch its organisations and act as its people. */
export async function demoWorld(db: Kysely<DB>) {
  await createDemoWorld(db, DOMAIN);
  const orgId = async (code: string) => (await db.selectFrom('organisations').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
  const actorFor = async (email: string): Promise<Actor> => {
    const a = await db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    return accountActor(db, a.id);
  };
  return { orgId, actorFor };
}

/**
 * Gives an account the demo authenticator app (the public DEMO_TOTP_SEED), as an
 * administrator must have one: for tests that hand a demo person an admin role
 * straight in the table, where grantRole would have asked for it first.
 */
export async function withDemoAuthenticator(db: Kysely<DB>, accountId: string): Promise<void> {
  await db
    .insertInto('mfa_totp')
    .values({ account_id: accountId, secret_enc: DEMO_SEED_MARKER, confirmed: true })
    .onConflict((oc) => oc.column('account_id').doNothing())
    .execute();
}
