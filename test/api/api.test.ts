import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey, revokeApiKey } from '../../src/directory/api-keys.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { demoWorld } from '../helpers/world.ts';

let database: TestDatabase;
let app: FastifyInstance;
let world: Awaited<ReturnType<typeof demoWorld>>;
let trustKey: string;
const idOf = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

async function call(method: 'GET' | 'POST', url: string, key: string | null, body?: unknown) {
  const res = await app.inject({
    method, url: `/api/v1${url}`,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    payload: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, json: res.headers['content-type']?.toString().startsWith('application/json') ? res.json() : null, body: res.body, headers: res.headers };
}

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database);
  const alex = await world.actorFor('alex.morgan@care.example');
  trustKey = (await createApiKey(database.db, { organisationId: await world.orgId('RXN'), name: 'ESR feed' }, { actor: alex, frontDoor: 'portal' })).token;
});
after(async () => {
  await app.close();
  await database.close();
});

describe('the JSON API', () => {
  test('the OpenAPI document lists every operation with the schemas that validate it', async () => {
    const res = await call('GET', '/openapi.json', null);
    assert.equal(res.status, 200);
    assert.equal(res.json.openapi, '3.1.0');
    const people = res.json.paths['/people'].get;
    assert.ok(people.parameters.some((p: { name: string }) => p.name === 'includeChildren'));
    assert.ok(res.json.paths['/accounts/{id}/leaver'].post);
    assert.equal(res.json.paths['/accounts/{id}/joiner'].post.requestBody.content['application/json'].schema.properties.organisationCode.type, 'string');
  });

  test('no key, a made-up key: 401 with how to get one', async () => {
    assert.equal((await call('GET', '/people?name=smith', null)).status, 401);
    const res = await call('GET', '/people?name=smith', 'cmk_not-a-real-key');
    assert.equal(res.status, 401);
    assert.match(res.json.message, /Local Administrator makes keys in the Portal/);
  });

  test('People Finder by key', async () => {
    const res = await call('GET', '/people?name=jon%20smi', trustKey);
    assert.equal(res.status, 200);
    assert.equal(res.json.rows[0].displayName, 'Smith, Jonathan (NGH)');
    const bad = await call('GET', '/people?pageSize=1000&name=x', trustKey);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.problems[0].field, 'pageSize');
  });

  test("a trust key sees and changes its own organisation's accounts, never a sibling's", async () => {
    assert.equal((await call('GET', '/accounts?organisation=RXN&includeChildren=1', trustKey)).json.total, 4);
    const sibling = await call('GET', '/accounts?organisation=B82001', trustKey);
    assert.equal(sibling.status, 403);
    assert.match(sibling.json.message, /their own organisation and the organisations below it/);
    const amara = await idOf('amara.okafor@care.example');
    assert.equal((await call('GET', `/accounts/${amara}`, trustKey)).status, 403);
    const lv = await call('POST', `/accounts/${amara}/leaver`, trustKey);
    assert.equal(lv.status, 403, lv.body);
    assert.equal((await call('POST', `/accounts/${amara}/disable`, trustKey, { until: new Date(Date.now() + 86_400_000 * 10).toISOString() })).status, 403);
    const cr = await call('POST', '/accounts', trustKey, { organisationCode: 'B82001', firstName: 'Not', lastName: 'Allowed' });
    assert.equal(cr.status, 403, cr.body);
    assert.equal((await database.db.selectFrom('accounts').select('status').where('id', '=', amara).executeTakeFirstOrThrow()).status, 'active');

    const jon = await idOf('jonathan.smith@care.example');
    const own = await call('GET', `/accounts/${jon}`, trustKey);
    assert.equal(own.json.organisationCode, 'RXN01');
    const created = await call('POST', '/accounts', trustKey, { organisationCode: 'RXN02', firstName: 'Api', lastName: 'Made', externalSyncId: 'ESR-1' });
    assert.equal(created.status, 201);
    assert.equal(created.json.email, 'api.made@care.example');
  });

  test('leaver by key, joiner by another organisation\'s key; the audit trail names the key', async () => {
    const gpKey = (await createApiKey(database.db, { organisationId: await world.orgId('B82001'), name: 'GP system' }, { actor: await world.actorFor('priya.patel@care.example'), frontDoor: 'portal' })).token;
    const jon = await idOf('jonathan.smith@care.example');
    assert.equal((await call('POST', `/accounts/${jon}/leaver`, trustKey)).status, 200);
    const found = await call('GET', '/leavers?email=jonathan.smith@care.example', gpKey);
    assert.equal(found.json.id, jon);
    const joined = await call('POST', `/accounts/${jon}/joiner`, gpKey, { organisationCode: 'B82001' });
    assert.equal(joined.status, 200, joined.body);
    assert.equal(joined.json.displayName, 'Smith, Jonathan (MEADOWLANE)');
    // Now in the GP practice: the trust's key no longer reaches him.
    assert.equal((await call('GET', `/accounts/${jon}`, trustKey)).status, 403);
    const audit = await database.db.selectFrom('audit_events').select(['actor_label', 'front_door']).where('action', '=', 'account.joiner').executeTakeFirstOrThrow();
    assert.deepEqual(audit, { actor_label: 'API key "GP system" (B82001)', front_door: 'api' });
  });

  test('a revoked key stops working at once, and making and revoking are audited', async () => {
    const alex = await world.actorFor('alex.morgan@care.example');
    const { id, token } = await createApiKey(database.db, { organisationId: await world.orgId('RXN'), name: 'Short-lived' }, { actor: alex, frontDoor: 'portal' });
    assert.equal((await call('GET', '/people?name=smith', token)).status, 200);
    await revokeApiKey(database.db, id, { actor: alex, frontDoor: 'portal' });
    assert.equal((await call('GET', '/people?name=smith', token)).status, 401);
    const actions = (await database.db.selectFrom('audit_events').select('action').where('target_id', '=', id).execute()).map((r) => r.action);
    assert.deepEqual(actions, ['apikey.create', 'apikey.revoke']);
    const stored = await database.db.selectFrom('api_keys').select('token_hash').where('id', '=', id).executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token);
    assert.match(stored.token_hash, /^[0-9a-f]{64}$/);
  });

  test('an LA makes a key in the Portal and sees it once; a GP LA cannot manage the trust\'s keys', async () => {
    const c = new PortalClient(app);
    await c.signIn('alex.morgan@care.example');
    await c.get('/admin/organisations/RXN/api-keys');
    const res = await c.post('/admin/organisations/RXN/api-keys', { name: 'Rota system' });
    assert.equal(res.statusCode, 201);
    const token = res.body.match(/id="api-key">(cmk_[^<]+)</)![1];
    assert.equal((await call('GET', '/people?name=smith', token)).status, 200);
    const again = await c.get('/admin/organisations/RXN/api-keys');
    assert.ok(!again.body.includes(token), 'shown only once');
    const other = new PortalClient(app);
    await other.signIn('nadia.shah@care.example');
    assert.equal((await other.get('/admin/organisations/RXN/api-keys')).statusCode, 403);
  });
});
