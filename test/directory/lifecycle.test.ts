import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testSettings } from '../../src/config/settings.ts';
import { acceptJoiner, disableAccount, lifecyclePolicy, markLeaver, moveAccount, restoreAccount } from '../../src/directory/lifecycle.ts';
import { runLifecycleJobs } from '../../src/directory/lifecycle-jobs.ts';
import { directoryDb } from '../../src/directory/tables.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { outboxNotifier, readOutbox } from '../../src/notify/notifier.ts';
import { ConflictError, ValidationError } from '../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { DOMAIN, demoWorld } from '../helpers/world.ts';

const DAY = 86_400_000;
const policy = lifecyclePolicy(testSettings());
let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const account = async (id: string) => directoryDb(database.db).selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  // A GP-practice LA, to accept joiners there.
  const amara = await idOf('amara.okafor@care.example');
  await database.db.insertInto('account_roles').values({ account_id: amara, organisation_id: await world.orgId('B82001'), role: 'local_admin' }).execute();
});
after(async () => {
  await database.close();
});

const ctxAs = async (email: string, now?: Date) => ({
  actor: await world.actorFor(email), frontDoor: 'portal' as const, notifier: outboxNotifier(database.db), policy, now, domain: DOMAIN,
});

describe('leavers and joiners', () => {
  test('the trust LA marks Sam Taylor as a leaver: status, roles removed, email, audit', async () => {
    const sam = await idOf('sam.taylor@care.example');
    const r = await markLeaver(database.db, sam, await ctxAs('alex.morgan@care.example'));
    assert.equal(r.status, 'leaver');
    assert.equal((await account(sam)).status, 'leaver');
    assert.deepEqual(await database.db.selectFrom('account_roles').select('role').where('account_id', '=', sam).execute(), []);
    const [mail] = await readOutbox(database.db, { recipient: 'sam.taylor@care.example', purpose: 'account_leaver' });
    assert.match(mail.body, /accept you as a joiner/);
    const audit = await database.db.selectFrom('audit_events').select(['detail']).where('action', '=', 'account.leaver').where('target_id', '=', sam).executeTakeFirstOrThrow();
    assert.deepEqual((audit.detail as { rolesRemoved: string[] }).rolesRemoved, ['local_admin']);
  });

  test('a GP-practice LA cannot mark a trust person as a leaver', async () => {
    await assert.rejects(markLeaver(database.db, await idOf('jonathan.smith@care.example'), await ctxAs('amara.okafor@care.example')), NotAllowedError);
  });

  test('the GP-practice LA accepts Jane Smith as a joiner: same account, new organisation and display name', async () => {
    const jane = await idOf('jane.smith@care.example');
    await markLeaver(database.db, jane, await ctxAs('alex.morgan@care.example'));
    const r = await acceptJoiner(database.db, jane, { organisationCode: 'B82001' }, await ctxAs('amara.okafor@care.example'));
    const a = await account(jane);
    assert.equal(a.status, 'active');
    assert.equal(a.email, 'jane.smith@care.example');
    assert.equal(a.display_name, 'Smith, Jane (MEADOWLANE)');
    assert.equal(a.organisation_id, await world.orgId('B82001'));
    assert.equal(r.alias, null);
    assert.equal((await readOutbox(database.db, { recipient: 'jane.smith@care.example', purpose: 'account_joiner' })).length, 1);
  });

  test('a joiner whose surname changes gets a new address; the old one is a receive-only alias for 90 days', async () => {
    const tom = await idOf('tom.baker@care.example');
    const now = new Date('2030-01-10T09:00:00Z');
    await markLeaver(database.db, tom, await ctxAs('nadia.shah@care.example', now));
    await acceptJoiner(database.db, tom, { organisationCode: 'B82001', lastName: 'Baker-Jones' }, await ctxAs('amara.okafor@care.example', new Date(now.getTime() + 5 * DAY)));
    assert.equal((await account(tom)).email, 'tom.baker-jones@care.example');
    const old = await database.db.selectFrom('mail_addresses').selectAll().where('address', '=', 'tom.baker@care.example').executeTakeFirstOrThrow();
    assert.equal(old.kind, 'alias');
    assert.equal(old.account_id, tom);
    assert.equal(old.reserved_until!.toISOString(), new Date(now.getTime() + 95 * DAY).toISOString());
  });

  test('only a leaver can join, and only within the leaver period, and not into a closed organisation', async () => {
    const li = await idOf('li.wei@care.example');
    await assert.rejects(acceptJoiner(database.db, li, { organisationCode: 'B82001' }, await ctxAs('amara.okafor@care.example')), ConflictError);
    const now = new Date();
    await markLeaver(database.db, li, await ctxAs('nadia.shah@care.example', new Date(now.getTime() - 31 * DAY)));
    await assert.rejects(acceptJoiner(database.db, li, { organisationCode: 'B82001' }, await ctxAs('amara.okafor@care.example')), /more than 30 days ago/);
  });
});

describe('disable, restore, move', () => {
  test('disable is limited to 18 months and ends sessions', async () => {
    const jon = await idOf('jonathan.smith@care.example');
    const ctx = await ctxAs('alex.morgan@care.example');
    await assert.rejects(disableAccount(database.db, jon, { until: new Date(Date.now() + 600 * DAY).toISOString() }, ctx), ValidationError);
    await disableAccount(database.db, jon, { until: new Date(Date.now() + 100 * DAY).toISOString().slice(0, 10) }, ctx);
    assert.equal((await account(jon)).status, 'disabled');
  });

  test('restore works within 30 days of deletion and not after', async () => {
    const jon = await idOf('jonathan.smith@care.example');
    await database.db.updateTable('accounts').set({ status: 'deleted', status_changed_at: new Date(Date.now() - 10 * DAY) }).where('id', '=', jon).execute();
    await restoreAccount(database.db, jon, await ctxAs('alex.morgan@care.example'));
    assert.equal((await account(jon)).status, 'active');
    await database.db.updateTable('accounts').set({ status: 'deleted', status_changed_at: new Date(Date.now() - 31 * DAY) }).where('id', '=', jon).execute();
    await assert.rejects(restoreAccount(database.db, jon, await ctxAs('alex.morgan@care.example')), /more than 30 days ago/);
    await database.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', jon).execute();
  });

  test('move needs reach over both organisations', async () => {
    const jon = await idOf('jonathan.smith@care.example');
    const r = await moveAccount(database.db, jon, { organisationCode: 'RXN02' }, await ctxAs('alex.morgan@care.example'));
    assert.equal(r.displayName, 'Smith, Jonathan (RCH)');
    await assert.rejects(moveAccount(database.db, jon, { organisationCode: 'B82001' }, await ctxAs('alex.morgan@care.example')), /cannot move accounts into Meadow Lane/);
  });
});

describe('scheduled lifecycle jobs', () => {
  test('a leaver not joined within the leaver period is deleted', async () => {
    const li = await idOf('li.wei@care.example'); // marked as leaver 31 days ago above
    await runLifecycleJobs(database.db, outboxNotifier(database.db), policy, new Date());
    assert.equal((await account(li)).status, 'deleted');
  });

  test('inactivity: warning, Inactive, warning, Deleted, then erased after the restore period', async () => {
    const amara = await idOf('amara.okafor@care.example');
    const notifier = outboxNotifier(database.db);
    const start = new Date();
    await database.db.updateTable('accounts').set({ last_sign_in_at: start }).where('id', '=', amara).execute();
    const at = (days: number) => new Date(start.getTime() + days * DAY);

    await runLifecycleJobs(database.db, notifier, policy, at(24));
    assert.equal((await account(amara)).status, 'active');
    await runLifecycleJobs(database.db, notifier, policy, at(24.5));
    assert.equal((await readOutbox(database.db, { recipient: 'amara.okafor@care.example', purpose: 'lifecycle_warning_inactive' })).length, 1, 'warned once');

    await runLifecycleJobs(database.db, notifier, policy, at(31));
    assert.equal((await account(amara)).status, 'inactive');
    await runLifecycleJobs(database.db, notifier, policy, at(55));
    assert.equal((await readOutbox(database.db, { recipient: 'amara.okafor@care.example', purpose: 'lifecycle_warning_delete_inactive' })).length, 1);
    await runLifecycleJobs(database.db, notifier, policy, at(62));
    assert.equal((await account(amara)).status, 'deleted');
    await runLifecycleJobs(database.db, notifier, policy, at(93));
    const erased = await account(amara);
    assert.equal(erased.status, 'deleted_permanent');
    assert.equal(erased.first_name, 'Erased');
    assert.equal(erased.mobile, null);
    const names = await database.db.selectFrom('directory_names').select('name').where('name', 'in', ['amara', 'okafor']).execute();
    assert.deepEqual(names, [], "People Finder's list of names forgets them");
    const address = await database.db.selectFrom('mail_addresses').selectAll().where('address', '=', 'amara.okafor@care.example').executeTakeFirstOrThrow();
    assert.equal(address.kind, 'retired');
    assert.equal(address.account_id, null);
    assert.equal((await readOutbox(database.db, { recipient: 'amara.okafor@care.example' })).length, 0, 'their notices are erased too');
    const steps = await database.db.selectFrom('audit_events').select('detail').where('target_id', '=', amara).where('action', '=', 'account.status').orderBy('seq').execute();
    assert.deepEqual(steps.map((s) => (s.detail as { to: string }).to), ['Inactive', 'Deleted', 'Deleted Permanent']);
  });

});
