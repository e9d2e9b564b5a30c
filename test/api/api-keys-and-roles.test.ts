import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/directory/api-keys.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld, withDemoAuthenticator } from '../helpers/world.ts';

let database: TestDatabase;
let app: FastifyInstance;
let world: Awaited<ReturnType<typeof demoWorld>>;
/** A standard key of the trust (RXN), made by its Local Primary Administrator. */
let trustKey: string;
/** A primary key of the trust. */
let primaryKey: string;
/** A key of the GP practice (B82001), a sibling of the trust under the region. */
let gpKeyId: string;
let gpKey: string;

const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const rolesOf = async (email: string) =>
  (await database.db.selectFrom('account_roles').select('role').where('account_id', '=', await idOf(email)).execute()).map((r) => r.role).sort();

async function call(method: 'GET' | 'POST', url: string, key: string | null, body?: unknown) {
  const res = await app.inject({
    method, url: `/api/v1${url}`,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    payload: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, json: res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : null, body: res.body };
}

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database);
  const alex = await world.actorFor('alex.morgan@care.example');
  const rxn = await world.orgId('RXN');
  trustKey = (await createApiKey(database.db, { organisationId: rxn, name: 'ESR feed' }, { actor: alex, frontDoor: 'portal' })).token;
  primaryKey = (await createApiKey(database.db, { organisationId: rxn, name: 'Identity system', level: 'primary' }, { actor: alex, frontDoor: 'portal' })).token;
  const gp = await createApiKey(database.db, { organisationId: await world.orgId('B82001'), name: 'GP system' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'portal' });
  gpKeyId = gp.id;
  gpKey = gp.token;
});
after(async () => {
  await app.close();
  await database.close();
});

describe('API keys over the API', () => {
  test('the OpenAPI document lists making, listing and revoking keys, and the role changes', async () => {
    const doc = (await call('GET', '/openapi.json', null)).json;
    assert.ok(doc.paths['/organisations/{code}/api-keys'].get);
    const make = doc.paths['/organisations/{code}/api-keys'].post;
    assert.deepEqual(make.requestBody.content['application/json'].schema.properties.level.enum, ['standard', 'primary']);
    assert.ok(doc.paths['/api-keys/{id}/revoke'].post);
    assert.ok(doc.paths['/organisations/{code}/roles'].post);
    assert.ok(doc.paths['/organisations/{code}/roles/remove'].post);
    assert.match(doc.info.description, /primary key as a Local Primary Administrator/);
  });

  test('a key makes a key for its organisation: the secret is shown once, works at once, and the making is audited', async () => {
    const made = await call('POST', '/organisations/RXN01/api-keys', trustKey, { name: 'Ward rota' });
    assert.equal(made.status, 201, made.body);
    assert.equal(made.json.level, 'standard');
    assert.match(made.json.token, /^cmk_[A-Za-z0-9_-]{43}$/);
    assert.equal((await call('GET', '/people?name=smith', made.json.token)).status, 200);

    const listed = await call('GET', '/organisations/RXN01/api-keys', trustKey);
    assert.equal(listed.status, 200);
    const entry = listed.json.keys.find((k: { id: string }) => k.id === made.json.id);
    assert.deepEqual([entry.name, entry.level, entry.endsIn], ['Ward rota', 'standard', made.json.token.slice(-4)]);
    assert.ok(!listed.body.includes(made.json.token), 'the secret is never listed');

    const audit = await database.db.selectFrom('audit_events').select(['actor_label', 'front_door', 'detail']).where('action', '=', 'apikey.create').where('target_id', '=', made.json.id).executeTakeFirstOrThrow();
    assert.equal(audit.actor_label, 'API key "ESR feed" (RXN)');
    assert.equal(audit.front_door, 'api');
    assert.deepEqual(audit.detail, { name: 'Ward rota', level: 'standard' });
    // The person who made the making key stays answerable for the new one.
    const row = await database.db.selectFrom('api_keys').select(['created_by', 'created_by_key_id']).where('id', '=', made.json.id).executeTakeFirstOrThrow();
    assert.equal(row.created_by, await idOf('alex.morgan@care.example'));
    assert.ok(row.created_by_key_id);
  });

  test('a bad request names the field and makes nothing', async () => {
    const before = (await database.db.selectFrom('api_keys').select('id').execute()).length;
    const res = await call('POST', '/organisations/RXN/api-keys', trustKey, { name: '', level: 'root' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.problems.map((p: { field: string }) => p.field).sort(), ['level', 'name']);
    assert.equal((await database.db.selectFrom('api_keys').select('id').execute()).length, before);
  });

  test('a standard key cannot make a primary key, and a Local Administrator who is not primary cannot either', async () => {
    const res = await call('POST', '/organisations/RXN/api-keys', trustKey, { name: 'Sneaky', level: 'primary' });
    assert.equal(res.status, 403);
    assert.match(res.json.message, /standard key cannot make a primary key/);
    await assert.rejects(
      createApiKey(database.db, { organisationId: await world.orgId('RXN'), name: 'By Sam', level: 'primary' }, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' }),
      (err: Error) => err instanceof NotAllowedError && /Only a Local Primary Administrator/.test(err.message),
    );
    assert.equal((await database.db.selectFrom('api_keys').select('id').where('name', 'in', ['Sneaky', 'By Sam']).execute()).length, 0);
  });

  test("a key cannot see, make or revoke a sibling's or a parent's keys", async () => {
    for (const key of [trustKey, primaryKey]) {
      const list = await call('GET', '/organisations/B82001/api-keys', key);
      assert.equal(list.status, 403);
      assert.match(list.json.message, /their own organisation and the organisations below it/);
      assert.equal((await call('POST', '/organisations/B82001/api-keys', key, { name: 'Intruder' })).status, 403);
      assert.equal((await call('POST', '/organisations/Y63/api-keys', key, { name: 'Upwards' })).status, 403);
      assert.equal((await call('POST', `/api-keys/${gpKeyId}/revoke`, key)).status, 403);
    }
    assert.equal((await call('GET', '/people?name=smith', gpKey)).status, 200, "the GP practice's key still works");
    // And from below: a key of a trust site cannot reach the trust itself.
    const site = await call('POST', '/organisations/RXN01/api-keys', trustKey, { name: 'Site system' });
    assert.equal((await call('GET', '/organisations/RXN/api-keys', site.json.token)).status, 403);
    assert.equal((await call('GET', '/organisations/NOPE/api-keys', trustKey)).status, 404);
  });

  test('revoking a key stops it and every key it made, each revocation audited', async () => {
    const parent = await call('POST', '/organisations/RXN/api-keys', trustKey, { name: 'Integration engine' });
    const child = await call('POST', '/organisations/RXN02/api-keys', parent.json.token, { name: 'Made by the engine' });
    assert.equal(child.status, 201, child.body);
    const revoked = await call('POST', `/api-keys/${parent.json.id}/revoke`, trustKey);
    assert.equal(revoked.status, 200, revoked.body);
    assert.deepEqual(revoked.json.revoked, [parent.json.id, child.json.id]);
    assert.equal((await call('GET', '/people?name=smith', parent.json.token)).status, 401);
    assert.equal((await call('GET', '/people?name=smith', child.json.token)).status, 401);
    assert.equal((await call('GET', '/people?name=smith', trustKey)).status, 200);
    const audit = await database.db.selectFrom('audit_events').select(['target_id', 'actor_label']).where('action', '=', 'apikey.revoke').where('target_id', 'in', [parent.json.id, child.json.id]).execute();
    assert.equal(audit.length, 2);
    assert.ok(audit.every((a) => a.actor_label === 'API key "ESR feed" (RXN)'));
    assert.equal((await call('POST', '/api-keys/00000000-0000-4000-8000-000000000000/revoke', trustKey)).status, 404);
  });
});

describe('roles through a key', () => {
  test('a standard key is refused with a clear 403 and nothing changes', async () => {
    const res = await call('POST', '/organisations/RXN/roles', trustKey, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });
    assert.equal(res.status, 403);
    assert.match(res.json.message, /standard API key.*Ask a Local Primary Administrator of RXN for a primary key/);
    assert.equal((await call('POST', '/organisations/RXN/roles/remove', trustKey, { email: 'sam.taylor@care.example', role: 'local_admin' })).status, 403);
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), []);
    assert.deepEqual(await rolesOf('sam.taylor@care.example'), ['local_admin']);
  });

  test('a primary key grants an LA or helpdesk role only to someone with an authenticator app or passkey, and removes it', async () => {
    const refused = await call('POST', '/organisations/RXN01/roles', primaryKey, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.json.problems[0].message, /administrators must sign in with an authenticator app or a passkey/);
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), []);

    await withDemoAuthenticator(database.db, await idOf('jonathan.smith@care.example'));
    const granted = await call('POST', '/organisations/RXN01/roles', primaryKey, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });
    assert.equal(granted.status, 201, granted.body);
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), ['local_helpdesk']);
    const holders = await call('GET', '/organisations/RXN01/roles', primaryKey);
    assert.ok(holders.json.roles.some((h: { email: string; role: string }) => h.email === 'jonathan.smith@care.example' && h.role === 'local_helpdesk'));

    const removed = await call('POST', '/organisations/RXN01/roles/remove', primaryKey, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });
    assert.equal(removed.status, 200, removed.body);
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), []);
    const audit = await database.db.selectFrom('audit_events').select(['action', 'actor_label', 'front_door']).where('action', 'in', ['role.grant', 'role.remove']).where('front_door', '=', 'api').orderBy('seq').execute();
    assert.deepEqual(audit.map((a) => [a.action, a.actor_label]), [['role.grant', 'API key "Identity system" (RXN)'], ['role.remove', 'API key "Identity system" (RXN)']]);
  });

  test('a primary key gives no national roles and cannot make anyone a Local Primary Administrator', async () => {
    await withDemoAuthenticator(database.db, await idOf('jonathan.smith@care.example'));
    for (const role of ['local_primary_admin', 'global_admin', 'nas_admin']) {
      assert.equal((await call('POST', '/organisations/RXN/roles', primaryKey, { email: 'jonathan.smith@care.example', role })).status, 403, role);
    }
    assert.deepEqual(await rolesOf('jonathan.smith@care.example'), []);
  });

  test("a primary key cannot touch a sibling organisation's roles or people", async () => {
    const amara = await idOf('amara.okafor@care.example');
    await withDemoAuthenticator(database.db, amara);
    const there = await call('POST', '/organisations/B82001/roles', primaryKey, { email: 'amara.okafor@care.example', role: 'local_admin' });
    assert.equal(there.status, 403);
    // Nor recruit the sibling's staff as its own administrators.
    const here = await call('POST', '/organisations/RXN/roles', primaryKey, { email: 'amara.okafor@care.example', role: 'local_admin' });
    assert.equal(here.status, 403);
    assert.match(here.json.message, /amara\.okafor@care\.example is in an organisation you do not manage/);
    assert.equal((await call('GET', '/organisations/B82001/roles', primaryKey)).status, 403);
    assert.deepEqual(await rolesOf('amara.okafor@care.example'), []);
    assert.equal((await call('POST', '/organisations/B82001/api-keys', primaryKey, { name: 'x', level: 'primary' })).status, 403);
  });

  test('a primary key may make a primary key below it; that key grants only in its own subtree', async () => {
    const site = await call('POST', '/organisations/RXN01/api-keys', primaryKey, { name: 'Site identity', level: 'primary' });
    assert.equal(site.status, 201, site.body);
    await withDemoAuthenticator(database.db, await idOf('jonathan.smith@care.example'));
    assert.equal((await call('POST', '/organisations/RXN/roles', site.json.token, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' })).status, 403);
    assert.equal((await call('POST', '/organisations/RXN01/roles', site.json.token, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' })).status, 201);
    assert.equal((await call('POST', '/organisations/RXN01/roles/remove', site.json.token, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' })).status, 200);
  });
});

describe('API keys in the Portal', () => {
  test('a Local Primary Administrator chooses the level; a Local Administrator is not offered primary and is refused it', async () => {
    const alex = new PortalClient(app);
    await alex.signIn('alex.morgan@care.example');
    const form = await alex.get('/admin/organisations/RXN/api-keys');
    assert.match(form.body, /name="level" type="radio" value="primary"/);
    const made = await alex.post('/admin/organisations/RXN/api-keys', { name: 'Rota with roles', level: 'primary' });
    assert.equal(made.statusCode, 201);
    const token = made.body.match(/id="api-key">(cmk_[^<]+)</)![1];
    assert.equal((await database.db.selectFrom('api_keys').select('level').where('name', '=', 'Rota with roles').executeTakeFirstOrThrow()).level, 'primary');
    await withDemoAuthenticator(database.db, await idOf('jonathan.smith@care.example'));
    assert.equal((await call('POST', '/organisations/RXN/roles', token, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' })).status, 201);
    await call('POST', '/organisations/RXN/roles/remove', token, { email: 'jonathan.smith@care.example', role: 'local_helpdesk' });

    const sam = new PortalClient(app);
    await sam.signIn('sam.taylor@care.example');
    const samForm = await sam.get('/admin/organisations/RXN/api-keys');
    assert.equal(samForm.statusCode, 200);
    assert.doesNotMatch(samForm.body, /value="primary"/);
    assert.equal((await sam.post('/admin/organisations/RXN/api-keys', { name: 'Not allowed', level: 'primary' })).statusCode, 403);
    assert.equal((await database.db.selectFrom('api_keys').select('id').where('name', '=', 'Not allowed').execute()).length, 0);
  });
});
