import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { removeRole } from '../../src/identity/role-grants.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld, withDemoAuthenticator } from '../helpers/world.ts';

let database: TestDatabase;
let app: FastifyInstance;
let world: Awaited<ReturnType<typeof demoWorld>>;
const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const rolesOf = async (email: string) => (await database.db.selectFrom('account_roles').select('role').where('account_id', '=', await idOf(email)).execute()).map((r) => r.role).sort();

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database);
  await withDemoAuthenticator(database.db, await idOf('jonathan.smith@care.example'));
});
after(async () => {
  await app.close();
  await database.close();
});

describe('administrator roles', () => {
  test('the Local Primary Administrator gives and removes a helpdesk role in the trust, in the Portal', async () => {
    const c = new PortalClient(app);
    await c.signIn('alex.morgan@care.example');
    const page = await c.get('/admin/organisations/RXN/roles');
    assert.match(page.body, /Local Primary Administrator/);
    assert.doesNotMatch(page.body, /<option value="global_admin"/, 'only LA and helpdesk roles are offered');
    const res = await c.post('/admin/organisations/RXN/roles', { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), ['local_helpdesk']);
    await c.get('/admin/organisations/RXN/roles');
    assert.equal((await c.post('/admin/organisations/RXN/roles/remove', { email: 'jonathan.smith@care.example', role: 'local_helpdesk' })).statusCode, 303);
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), []);
    const audit = (await database.db.selectFrom('audit_events').select('action').where('target_id', '=', await idOf('jonathan.smith@care.example')).orderBy('seq').execute()).map((r) => r.action);
    assert.deepEqual(audit.filter((a) => a.startsWith('role.')), ['role.grant', 'role.remove']);
  });

  test('a Local Primary Administrator cannot make a Global Admin, nor act at a sibling organisation', async () => {
    const c = new PortalClient(app);
    await c.signIn('alex.morgan@care.example');
    await c.get('/admin/organisations/RXN/roles');
    assert.equal((await c.post('/admin/organisations/RXN/roles', { email: 'jonathan.smith@care.example', role: 'global_admin' })).statusCode, 403);
    assert.equal((await c.get('/admin/organisations/B82001/roles')).statusCode, 403);
  });

  test('an LA (not primary) cannot remove roles; a Global Admin can remove any', async () => {
    const sam = await world.actorFor('sam.taylor@care.example');
    const alexId = await idOf('alex.morgan@care.example');
    const rxn = await world.orgId('RXN');
    await assert.rejects(removeRole(database.db, { accountId: alexId, organisationId: rxn, role: 'local_primary_admin' }, { actor: sam, frontDoor: 'portal' }), NotAllowedError);
    await assert.rejects(removeRole(database.db, { accountId: await idOf('sam.taylor@care.example'), organisationId: rxn, role: 'local_admin' }, { actor: sam, frontDoor: 'portal' }), NotAllowedError);
    await removeRole(database.db, { accountId: await idOf('sam.taylor@care.example'), organisationId: rxn, role: 'local_admin' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'portal' });
    assert.deepEqual(await rolesOf('sam.taylor@care.example'), []);
  });
});
