import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { grantRole } from '../../../src/identity/role-grants.ts';
import { operatorActor } from '../../../src/identity/actor.ts';
import { deriveKeys } from '../../../src/identity/secret-key.ts';
import { clearMfa } from '../../../src/identity/mfa/reset.ts';
import { confirmTotpEnrolment, markMobileVerified, removeTotp, resetMfaByAdmin, setSmsMfa } from '../../../src/identity/mfa/factors.ts';
import { setOrganisationRequiresMfa } from '../../../src/identity/mfa/organisation-rule.ts';
import { accountHasStrongMfa, mfaMethods, mfaRequirement } from '../../../src/identity/mfa/status.ts';
import { startTotpEnrolment } from '../../../src/identity/mfa/totp.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 2));
let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
});
after(async () => database.close());

async function enrolTotp(accountId: string) {
  const { secret } = await startTotpEnrolment(database.db, keys, accountId, 'x');
  const self = { actor: operatorActor(), frontDoor: 'portal' as const };
  assert.equal((await confirmTotpEnrolment(database.db, keys, accountId, await generate({ secret }), self)).ok, true);
}

describe('administrators and MFA', () => {
  test('the demo administrators have an authenticator app; ordinary demo users do not', async () => {
    assert.equal(await accountHasStrongMfa(database.db, await idOf('sam.taylor@care.example')), true);
    assert.equal(await accountHasStrongMfa(database.db, await idOf('jane.smith@care.example')), false);
  });

  test('an admin role cannot be given to an account without an authenticator app or passkey, and says why', async () => {
    const amara = await idOf('amara.okafor@care.example');
    const ctx = { actor: operatorActor(), frontDoor: 'cli' as const };
    await assert.rejects(
      grantRole(database.db, { accountId: amara, organisationId: await world.orgId('B82001'), role: 'local_admin' }, ctx),
      /administrators must sign in with an authenticator app or a passkey, and this account has neither/,
    );
    assert.equal((await database.db.selectFrom('account_roles').select('id').where('account_id', '=', amara).execute()).length, 0);
    // A role that is not administrative needs nothing.
    await grantRole(database.db, { accountId: amara, organisationId: await world.orgId('B82001'), role: 'audit' }, ctx);
    await enrolTotp(amara);
    await grantRole(database.db, { accountId: amara, organisationId: await world.orgId('B82001'), role: 'local_admin' }, ctx);
    assert.equal(await mfaRequirement(database.db, amara), 'strong');
  });

  test('an administrator cannot remove their last authenticator app', async () => {
    const sam = await idOf('sam.taylor@care.example');
    const la = await world.actorFor('sam.taylor@care.example');
    await assert.rejects(removeTotp(database.db, sam, { actor: la, frontDoor: 'portal' }), /Administrators must keep an authenticator app or a passkey/);
    assert.equal((await mfaMethods(database.db, sam)).totp, true);
  });

  test('a user without an admin role may remove theirs', async () => {
    const jane = await idOf('jane.smith@care.example');
    await enrolTotp(jane);
    await removeTotp(database.db, jane, { actor: await world.actorFor('jane.smith@care.example'), frontDoor: 'portal' });
    assert.equal((await mfaMethods(database.db, jane)).totp, false);
  });
});

describe('resetting MFA (recovery by an LA)', () => {
  test('an LA resets a user in their organisation, audited, and the user is signed out', async () => {
    const jonathan = await idOf('jonathan.smith@care.example');
    await enrolTotp(jonathan);
    await database.db.insertInto('sessions').values({ id_hash: 'x'.repeat(64), account_id: jonathan, csrf_token: 'c', last_seen_at: new Date(), expires_at: new Date(Date.now() + 3_600_000) }).execute();
    await resetMfaByAdmin(database.db, jonathan, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal', ip: '10.0.0.1' });
    assert.deepEqual(await mfaMethods(database.db, jonathan), { totp: false, passkeys: 0, sms: false });
    assert.equal((await database.db.selectFrom('sessions').select('id_hash').where('account_id', '=', jonathan).execute()).length, 0);
    const entry = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'account.reset_mfa').where('target_id', '=', jonathan).executeTakeFirstOrThrow();
    assert.equal(entry.actor_label, 'sam.taylor@care.example');
  });

  test('never their own', async () => {
    const sam = await idOf('sam.taylor@care.example');
    await assert.rejects(resetMfaByAdmin(database.db, sam, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' }), /cannot reset your own MFA/);
    assert.equal(await accountHasStrongMfa(database.db, sam), true);
  });

  test('nor for an organisation outside their reach', async () => {
    await assert.rejects(
      resetMfaByAdmin(database.db, await idOf('tom.baker@care.example'), { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' }),
      /do not have permission/,
    );
  });

  test('after a reset an administrator must register again (the first sign-in gate asks for it)', async () => {
    const alex = await idOf('alex.morgan@care.example');
    await clearMfa(database.db, alex);
    assert.equal(await accountHasStrongMfa(database.db, alex), false);
    assert.equal(await mfaRequirement(database.db, alex), 'strong');
  });
});

describe('organisations that require MFA', () => {
  test('the setting reaches the organisations below; SMS then counts, and the last method cannot be removed', async () => {
    const jonathan = await idOf('jonathan.smith@care.example');
    assert.equal(await mfaRequirement(database.db, jonathan), null);
    await setOrganisationRequiresMfa(database.db, await world.orgId('RXN'), true, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' });
    assert.equal(await mfaRequirement(database.db, jonathan), 'any');
    const self = { actor: await world.actorFor('jonathan.smith@care.example'), frontDoor: 'portal' as const };
    await assert.rejects(setSmsMfa(database.db, jonathan, true, self), /Confirm your UK mobile number/);
    await markMobileVerified(database.db, jonathan, '07700900123', self);
    await setSmsMfa(database.db, jonathan, true, self);
    assert.equal((await mfaMethods(database.db, jonathan)).sms, true);
    await assert.rejects(setSmsMfa(database.db, jonathan, false, self), /Your organisation requires a second way to sign in/);
  });

  test('an LA cannot change the setting of an organisation outside their reach', async () => {
    await assert.rejects(
      setOrganisationRequiresMfa(database.db, await world.orgId('B82001'), true, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' }),
      /do not have permission/,
    );
  });
});
