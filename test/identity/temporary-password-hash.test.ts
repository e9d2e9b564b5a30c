import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getBulkJob, runBulkJob, startBulkJob } from '../../src/directory/bulk-accounts.ts';
import { operatorActor } from '../../src/identity/actor.ts';
import { changePassword } from '../../src/identity/password-change.ts';
import { hashTemporaryPassword, passwordMatches, temporaryPassword } from '../../src/identity/password-hash.ts';
import { verifyPassword } from '../../src/identity/verify-password.ts';
import { DOMAIN } from '../helpers/world.ts';
import { worldDatabase } from '../helpers/world-database.ts';

const t = worldDatabase();

/** The fastest of several runs of each, taken in turns so that the machine's load falls on both alike. */
async function fastestOfEach(times: number, works: Array<() => Promise<unknown>>): Promise<number[]> {
  const best = works.map(() => Infinity);
  for (let i = 0; i < times; i++) {
    for (const [j, work] of works.entries()) {
      const t0 = performance.now();
      await work();
      best[j] = Math.min(best[j], performance.now() - t0);
    }
  }
  return best;
}

describe('temporary passwords', () => {
  test('are at least 90 bits and hashed with the lighter Argon2id parameters, which verify as any other', async () => {
    const password = temporaryPassword();
    assert.ok(password.length * Math.log2(54) >= 90);
    const hash = await hashTemporaryPassword(password);
    assert.match(hash, /^\$argon2id\$v=19\$m=2048,t=1,p=1\$/);
    assert.equal(await passwordMatches(hash, password), true);
    assert.equal(await passwordMatches(hash, `${password}x`), false);
  });

  test('take as long to check as a full hash, so a quick answer does not give away a new account', async () => {
    const hash = await hashTemporaryPassword(temporaryPassword());
    // Against the lighter hash itself (a fraction of a millisecond), not a full hash: on a loaded
    // machine the full one varies by more than the margin, while the padded check is many times the light one.
    const [lightHash, check] = await fastestOfEach(11, [() => hashTemporaryPassword('a guess'), () => passwordMatches(hash, 'a guess')]);
    assert.ok(check >= lightHash * 5, `checking a temporary password took ${check.toFixed(2)} ms, its hash alone ${lightHash.toFixed(2)} ms`);
  });

  test('a bulk-made account signs in with its temporary password; the password the person then chooses gets the full parameters', async () => {
    const ctx = { actor: operatorActor(), frontDoor: 'cli' as const, domain: DOMAIN };
    const org = await t.world.orgId('RXN');
    const id = await startBulkJob(t.database.db, org, ctx);
    await runBulkJob(t.database.db, id, org, 'organisation_code,first_name,last_name\nRXN01,Tempo,Rary\n', ctx);
    const job = (await getBulkJob(t.database.db, id))!;
    const [, line] = job.result_csv!.trim().split('\n');
    const [, , email, password] = line.split(',');
    const signedIn = await verifyPassword(t.database.db, email, password, { frontDoor: 'portal', demoMode: false });
    assert.ok(signedIn.ok && signedIn.mustChangePassword, JSON.stringify(signedIn));
    const account = await t.database.db.selectFrom('accounts').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirstOrThrow();
    assert.match(account.password_hash!, /\$m=2048,t=1,p=1\$/);

    await changePassword(t.database.db, account.id, password, 'Lantern-Orchard-Quietly-47', { frontDoor: 'portal' });
    const after = await t.database.db.selectFrom('accounts').select('password_hash').where('id', '=', account.id).executeTakeFirstOrThrow();
    assert.match(after.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok((await verifyPassword(t.database.db, email, 'Lantern-Orchard-Quietly-47', { frontDoor: 'portal', demoMode: false })).ok);
  });
});
