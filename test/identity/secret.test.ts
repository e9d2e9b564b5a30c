import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accountSecretState, CallerCheckBlockedError, finishCallerCheck, resecureAccount, setAccountSecret, startCallerCheck } from '../../src/identity/secret.ts';
import { deriveKeys } from '../../src/identity/secret-key.ts';
import { withMfaColumns } from '../../src/identity/mfa/tables.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 3));
let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
let jane: string;
const SECRET = 'Lighthouse';

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
});
after(async () => database.close());

const self = async () => ({ actor: await world.actorFor('jane.smith@care.example'), frontDoor: 'portal' as const });
const la = async () => ({ actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' as const, ip: '10.9.8.7' });

/** The letters at the given 1-based positions, as the caller would read them out. */
const lettersOf = (secret: string, positions: number[]) => positions.map((p) => secret[p - 1]);

describe('setting the account secret', () => {
  test('each rule is refused with its message', async () => {
    const cases: Array<[string, RegExp]> = [
      ['light house', /letters a to z/],
      ['Short', /9 letters or more/],
      ['JaneSmithRules', /must not contain your first name or last name/],
      ['RiversideCommunityHospitalX', /organisation's name/],
    ];
    for (const [secret, message] of cases) await assert.rejects(setAccountSecret(database.db, keys, jane, secret, await self()), message);
    assert.equal((await accountSecretState(database.db, jane)).set, false);
  });

  test('a good secret is stored encrypted, never in plain', async () => {
    await setAccountSecret(database.db, keys, jane, SECRET, await self());
    const row = await withMfaColumns(database.db).selectFrom('accounts').select('secret_enc').where('id', '=', jane).executeTakeFirstOrThrow();
    assert.ok(row.secret_enc);
    assert.doesNotMatch(row.secret_enc!, /lighthouse/i);
    const history = await database.db.selectFrom('account_secret_history').select('secret_mac').where('account_id', '=', jane).execute();
    assert.equal(history.length, 1);
    assert.doesNotMatch(history[0].secret_mac, /lighthouse/i);
  });

  test('none of the last 5 can come back (whatever its case); the sixth can', async () => {
    const more = ['Marigolds', 'Kingfisher', 'Butterscotch', 'Waterfalls'];
    for (const s of more) await setAccountSecret(database.db, keys, jane, s, await self());
    await assert.rejects(setAccountSecret(database.db, keys, jane, 'LIGHTHOUSE', await self()), /last 5 account secrets/);
    await setAccountSecret(database.db, keys, jane, 'Peppermint', await self());
    await setAccountSecret(database.db, keys, jane, SECRET, await self());
    assert.equal((await database.db.selectFrom('account_secret_history').select('id').where('account_id', '=', jane).execute()).length, 5);
  });
});

describe('authenticating a caller by 3 letters', () => {
  test('the Portal picks 3 distinct positions; the right letters pass, in any case', async () => {
    const { challengeId, positions } = await startCallerCheck(database.db, keys, jane, await la());
    assert.equal(positions.length, 3);
    assert.equal(new Set(positions).size, 3);
    assert.ok(positions.every((p) => p >= 1 && p <= SECRET.length));
    const letters = lettersOf(SECRET, positions).map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase()));
    assert.equal(await finishCallerCheck(database.db, keys, challengeId, letters, await la()), 'pass');
  });

  test('a challenge works once', async () => {
    const { challengeId, positions } = await startCallerCheck(database.db, keys, jane, await la());
    await finishCallerCheck(database.db, keys, challengeId, lettersOf(SECRET, positions), await la());
    await assert.rejects(finishCallerCheck(database.db, keys, challengeId, lettersOf(SECRET, positions), await la()), /expired or was already answered/);
  });

  test('wrong characters fail; 3 failures in a row block the check for 15 minutes; every check is audited', async () => {
    const t0 = new Date(Date.now() + 60_000);
    for (let i = 0; i < 3; i++) {
      const { challengeId } = await startCallerCheck(database.db, keys, jane, await la(), t0);
      assert.equal(await finishCallerCheck(database.db, keys, challengeId, ['q', 'q', 'q'], await la(), t0), 'fail');
    }
    await assert.rejects(startCallerCheck(database.db, keys, jane, await la(), t0), CallerCheckBlockedError);
    await assert.rejects(startCallerCheck(database.db, keys, jane, await la(), new Date(t0.getTime() + 14 * 60_000)), /blocked for 15 minutes/);
    const later = new Date(t0.getTime() + 16 * 60_000);
    const { challengeId, positions } = await startCallerCheck(database.db, keys, jane, await la(), later);
    assert.equal(await finishCallerCheck(database.db, keys, challengeId, lettersOf(SECRET, positions), await la(), later), 'pass');
    const audits = await database.db.selectFrom('audit_events').select(['outcome', 'ip', 'actor_label']).where('action', '=', 'account.verify_caller').where('target_id', '=', jane).execute();
    assert.ok(audits.length >= 6);
    assert.ok(audits.every((a) => a.actor_label === 'sam.taylor@care.example' && a.ip === '10.9.8.7'));
    assert.equal(audits.filter((a) => a.outcome === 'failure').length, 3);
  });

  test('a user without the role, or an LA of another organisation, cannot check', async () => {
    await assert.rejects(startCallerCheck(database.db, keys, jane, { actor: await world.actorFor('jonathan.smith@care.example'), frontDoor: 'portal' }), /permission/);
    const tom = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'tom.baker@care.example').executeTakeFirstOrThrow()).id;
    await assert.rejects(startCallerCheck(database.db, keys, tom, await la()), /permission/);
  });
});

describe('re-secure', () => {
  test('an admin clears the secret and the person has 30 days to set a new one', async () => {
    const now = new Date('2026-05-01T09:00:00Z');
    const due = await resecureAccount(database.db, jane, await la(), now);
    assert.equal(due.toISOString(), '2026-05-31T09:00:00.000Z');
    assert.deepEqual(await accountSecretState(database.db, jane), { set: false, dueBy: due });
    await assert.rejects(startCallerCheck(database.db, keys, jane, await la()), /has not set an account secret/);
    await setAccountSecret(database.db, keys, jane, 'Snowdrops', await self());
    assert.deepEqual(await accountSecretState(database.db, jane), { set: true, dueBy: null });
  });
});
