import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAccount } from '../../src/directory/accounts.ts';
import { acceptableUsePolicy } from '../../src/identity/acceptable-use.ts';
import { operatorActor } from '../../src/identity/actor.ts';
import { acceptAup, confirmProfile, pendingSteps } from '../../src/identity/first-sign-in.ts';
import { setOrganisationRequiresMfa } from '../../src/identity/mfa/organisation-rule.ts';
import { markMobileVerified, setSmsMfa } from '../../src/identity/mfa/factors.ts';
import { markCompromised } from '../../src/identity/compromise.ts';
import { resecureAccount, setAccountSecret } from '../../src/identity/secret.ts';
import { deriveKeys } from '../../src/identity/secret-key.ts';
import { setSecurityAnswers } from '../../src/identity/security-answers.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 6));
let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
const ctx = { actor: operatorActor(), frontDoor: 'portal' as const };

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
});
after(async () => database.close());

test('demo accounts have finished the first sign-in', async () => {
  const sam = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'sam.taylor@care.example').executeTakeFirstOrThrow()).id;
  assert.deepEqual(await pendingSteps(database.db, sam), []);
});

test('a new account walks every step in order, and is then marked complete (audited)', async () => {
  const created = await createAccount(database.db, { organisationCode: 'RXN02', firstName: 'Edith', lastName: 'Cavell' }, { ...ctx, frontDoor: 'cli', domain: 'care.example' });
  const id = created.id;
  assert.deepEqual(await pendingSteps(database.db, id), ['password', 'aup', 'profile', 'secret', 'recovery']);
  await database.db.updateTable('accounts').set({ password_temporary: false }).where('id', '=', id).execute();
  await assert.rejects(acceptAup(database.db, id, 'old-version', ctx), /policy has changed/);
  await acceptAup(database.db, id, acceptableUsePolicy().version, ctx);
  assert.deepEqual(await pendingSteps(database.db, id), ['profile', 'secret', 'recovery']);
  await assert.rejects(confirmProfile(database.db, id, { jobTitle: 'Matron', mobile: '12345' }, ctx), /UK mobile number/);
  await confirmProfile(database.db, id, { jobTitle: 'Matron', mobile: '07700 900456' }, ctx);
  const acc = await database.db.selectFrom('accounts').select(['job_title', 'mobile']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(acc, { job_title: 'Matron', mobile: '07700900456' });
  await setAccountSecret(database.db, keys, id, 'Lanternlight', ctx);
  assert.deepEqual(await pendingSteps(database.db, id), ['recovery']);
  await setSecurityAnswers(database.db, keys, id, [
    { questionId: 'first-school', answer: 'Oakfield' }, { questionId: 'first-pet', answer: 'Pepper' }, { questionId: 'first-car', answer: 'Ford Fiesta' },
  ], ctx);
  assert.deepEqual(await pendingSteps(database.db, id), []);
  const row = await database.db.selectFrom('accounts').select('onboarding_complete').where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.onboarding_complete, true);
  const audits = await database.db.selectFrom('audit_events').select('action').where('target_id', '=', id).execute();
  for (const action of ['account.aup_accepted', 'account.profile_confirmed', 'account.secret_set', 'account.security_questions_set', 'account.onboarding_complete']) {
    assert.ok(audits.some((a) => a.action === action), action);
  }

  // Steps that come back: a re-secured secret once its 30 days are over; MFA when the organisation requires it.
  await resecureAccount(database.db, id, ctx, new Date('2026-01-01T00:00:00Z'));
  assert.deepEqual(await pendingSteps(database.db, id, new Date('2026-01-15T00:00:00Z')), []);
  assert.deepEqual(await pendingSteps(database.db, id, new Date('2026-02-01T00:00:00Z')), ['secret']);
  await setOrganisationRequiresMfa(database.db, await world.orgId('RXN02'), true, ctx);
  assert.deepEqual(await pendingSteps(database.db, id, new Date('2026-01-15T00:00:00Z')), ['mfa']);
});

test('an account marked compromised must set a new password and register a second factor again, though nothing requires MFA of it', async () => {
  const jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
  const actor = await world.actorFor('priya.patel@care.example');
  await markMobileVerified(database.db, jane, '07700900123', ctx);
  await database.db.updateTable('accounts').set({ mobile: '07700900123' }).where('id', '=', jane).execute();
  await setSmsMfa(database.db, jane, true, ctx);
  assert.deepEqual(await pendingSteps(database.db, jane), []);
  await markCompromised(database.db, jane, { actor, frontDoor: 'portal' });
  assert.deepEqual(await pendingSteps(database.db, jane), ['password', 'mfa']);
  await database.db.updateTable('accounts').set({ password_temporary: false }).where('id', '=', jane).execute();
  assert.deepEqual(await pendingSteps(database.db, jane), ['mfa']);
  await setSmsMfa(database.db, jane, true, ctx);
  assert.deepEqual(await pendingSteps(database.db, jane), []);
});
