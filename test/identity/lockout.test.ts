import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import {
  describeFailureGroup, failureGroups, listLockedAccounts, recordFailure, unlockAccount,
} from '../../src/identity/lockout.ts';
import { withSignInColumns } from '../../src/identity/sign-in-tables.ts';
import { verifyPassword } from '../../src/identity/verify-password.ts';
import { NotAllowedError, reachableRoots } from '../../src/identity/authorise.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
let jonathanId: string;
const JONATHAN = 'jonathan.smith@care.example';
const policy = { threshold: 10, minutes: 30 };

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  jonathanId = (await database.db.selectFrom('accounts').select('id').where('email', '=', JONATHAN).executeTakeFirstOrThrow()).id;
});
after(async () => {
  await database.close();
});

async function reset() {
  await withSignInColumns(database.db).updateTable('accounts').set({ failed_attempts: 0, failed_since: null, locked_until: null }).where('id', '=', jonathanId).execute();
  await database.db.deleteFrom('sign_in_failures').where('account_id', '=', jonathanId).execute();
}
async function state() {
  return withSignInColumns(database.db).selectFrom('accounts').select(['failed_attempts', 'locked_until', 'failed_since']).where('id', '=', jonathanId).executeTakeFirstOrThrow();
}
const attempt = (password: string, door: 'portal' | 'imap' | 'smtp' = 'portal', extra: { now?: Date; client?: string; ip?: string } = {}) =>
  verifyPassword(database.db, JONATHAN, password, { frontDoor: door, demoMode: true, lockout: policy, client: extra.client ?? 'test', ip: extra.ip ?? '10.0.0.1', now: extra.now });

describe('lockout', () => {
  beforeEach(reset);

  test('ten wrong passwords lock the account; the right password is then refused like a wrong one', async () => {
    for (let i = 1; i <= 9; i++) {
      const r = await attempt('wrong-password');
      assert.deepEqual(r, { ok: false, reason: 'wrong_password' });
    }
    assert.equal((await state()).locked_until, null);
    await attempt('wrong-password');
    const s = await state();
    assert.equal(s.failed_attempts, 10);
    assert.ok(s.locked_until && s.locked_until > new Date());
    const right = await attempt(DEMO_PASSWORD);
    assert.equal(right.ok, false);
    assert.equal((right as { reason: string }).reason, 'locked');
  });

  test('a locked account is refused on every front door: Portal, IMAP and SMTP', async () => {
    for (let i = 0; i < 10; i++) await attempt('wrong-password');
    for (const door of ['portal', 'imap', 'smtp'] as const) {
      const r = await attempt(DEMO_PASSWORD, door);
      assert.equal(r.ok, false, door);
    }
  });

  test('a good sign-in before the threshold starts the count again', async () => {
    for (let i = 0; i < 9; i++) await attempt('wrong-password');
    assert.equal((await attempt(DEMO_PASSWORD)).ok, true);
    assert.equal((await state()).failed_attempts, 0);
    for (let i = 0; i < 9; i++) await attempt('wrong-password');
    assert.equal((await state()).locked_until, null);
  });

  test('the lock ends by itself after the lockout time, and the count starts again', async () => {
    const t0 = new Date('2026-03-02T09:00:00Z');
    for (let i = 0; i < 10; i++) await attempt('wrong-password', 'portal', { now: t0 });
    const during = new Date(t0.getTime() + 29 * 60_000);
    assert.equal((await attempt(DEMO_PASSWORD, 'portal', { now: during })).ok, false);
    const later = new Date(t0.getTime() + 31 * 60_000);
    await attempt('wrong-password', 'portal', { now: later });
    assert.equal((await state()).failed_attempts, 1, 'a lapsed lock starts a new count');
    assert.equal((await attempt(DEMO_PASSWORD, 'portal', { now: later })).ok, true);
  });

  test('failures while locked are kept for diagnostics but do not extend the lock', async () => {
    for (let i = 0; i < 10; i++) await attempt('wrong-password');
    const lockedUntil = (await state()).locked_until;
    await attempt('still-wrong', 'imap', { client: 'Thunderbird' });
    assert.deepEqual((await state()).locked_until, lockedUntil);
    assert.equal((await state()).failed_attempts, 10);
    const groups = await failureGroups(database.db, jonathanId);
    assert.equal(groups.reduce((n, g) => n + g.failures, 0), 11);
  });

  test('an unknown account is refused and nothing is counted', async () => {
    const r = await verifyPassword(database.db, 'nobody@care.example', 'x', { frontDoor: 'portal', demoMode: true });
    assert.deepEqual(r, { ok: false, reason: 'unknown_account' });
  });

  test('diagnostics group failures by door, client and address, busiest first', async () => {
    const t0 = new Date('2026-03-02T09:12:00Z'); // 09:12 in London in March (GMT)
    for (let i = 0; i < 9; i++) await attempt('old-password', 'imap', { now: new Date(t0.getTime() + i * 1000), client: 'Thunderbird', ip: '10.1.2.3' });
    await attempt('typo-password', 'portal', { now: new Date(t0.getTime() + 60_000), client: 'Mozilla/5.0', ip: '10.9.9.9' });
    const groups = await failureGroups(database.db, jonathanId);
    assert.equal(groups.length, 2);
    assert.equal(describeFailureGroup(groups[0]), 'IMAP, Thunderbird, 10.1.2.3: 9 failures since 09:12');
    assert.equal(describeFailureGroup(groups[1]), 'Portal, Mozilla/5.0, 10.9.9.9: 1 failure since 09:13');
  });

  test('an LA unlocks an account in their organisation (audited); an LA elsewhere is refused', async () => {
    for (let i = 0; i < 10; i++) await attempt('wrong-password');
    const gp = await world.actorFor('amara.okafor@care.example');
    await assert.rejects(unlockAccount(database.db, jonathanId, { kind: 'admin', actor: { ...gp, grants: [{ role: 'local_admin', organisationId: await world.orgId('B82001') }] } as typeof gp, frontDoor: 'portal' }), NotAllowedError);
    const la = await world.actorFor('sam.taylor@care.example');
    const scope = await reachableRoots(database.db, la, 'account.unlock');
    assert.deepEqual((await listLockedAccounts(database.db, scope)).map((a) => a.email), [JONATHAN]);
    const res = await unlockAccount(database.db, jonathanId, { kind: 'admin', actor: la, frontDoor: 'portal', ip: '10.0.0.9' });
    assert.equal(res.wasLocked, true);
    assert.equal((await attempt(DEMO_PASSWORD)).ok, true);
    const audit = await database.db.selectFrom('audit_events').select(['action', 'actor_label']).where('action', '=', 'account.unlock').execute();
    assert.ok(audit.some((a) => a.actor_label === 'sam.taylor@care.example'));
  });

  test('self-service unlock (after the other proof) ends the lock and is audited as the person', async () => {
    for (let i = 0; i < 10; i++) await attempt('wrong-password');
    await unlockAccount(database.db, jonathanId, { kind: 'self_service', method: 'totp', ip: '10.0.0.2' });
    assert.equal((await state()).locked_until, null);
    const row = await database.db.selectFrom('audit_events').select(['actor_label', 'detail']).where('action', '=', 'account.unlock').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    assert.equal(row.actor_label, JONATHAN);
    assert.equal((row.detail as { method: string }).method, 'totp');
  });
});

describe('the lockout counter under concurrent failures', () => {
  beforeEach(reset);

  test('no failure is lost: the count is min(failures, threshold) and the lock is set exactly when it is reached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 2, max: 12 }), async (failures, threshold) => {
        await reset();
        await Promise.all(Array.from({ length: failures }, (_, i) =>
          database.db.transaction().execute((trx) => recordFailure(trx, jonathanId, { frontDoor: 'imap', client: `c${i % 3}`, ip: '10.0.0.1' }, { threshold, minutes: 30 }))));
        const s = await state();
        assert.equal(s.failed_attempts, Math.min(failures, threshold));
        assert.equal(s.locked_until !== null, failures >= threshold);
        const kept = await database.db.selectFrom('sign_in_failures').select((eb) => eb.fn.countAll<string>().as('n')).where('account_id', '=', jonathanId).executeTakeFirstOrThrow();
        assert.equal(Number(kept.n), failures);
      }),
      { numRuns: 25 },
    );
  });

  test('concurrent wrong passwords through verifyPassword are all counted', async () => {
    await Promise.all(Array.from({ length: 8 }, () => attempt('wrong-password')));
    assert.equal((await state()).failed_attempts, 8);
  });
});
