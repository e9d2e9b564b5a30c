import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/directory/api-keys.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { testPortal } from '../helpers/portal.ts';
import { demoWorld } from '../helpers/world.ts';

let database: TestDatabase;
let app: FastifyInstance;
let key: string;

before(async () => {
  database = await openTestDatabase();
  const world = await demoWorld(database.db);
  app = await testPortal(database);
  key = (await createApiKey(database.db, { organisationId: await world.orgId('RXN'), name: 'ESR' }, { actor: await world.actorFor('alex.morgan@care.example'), frontDoor: 'portal' })).token;
});
after(async () => {
  await app.close();
  await database.close();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
  app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });

test('bulk CSV over the API: 202, follow the job, fetch the result file; a sibling organisation is refused', async () => {
  const started = await call('POST', '/organisations/RXN/bulk-accounts', { csv: 'organisation_code,first_name,last_name,external_sync_id\nRXN01,Bulk,Person,ESR-99\n' });
  assert.equal(started.statusCode, 202, started.body);
  const { jobId } = started.json();
  let job = (await call('GET', `/bulk-jobs/${jobId}`)).json();
  for (let i = 0; i < 50 && job.state !== 'done' && job.state !== 'rejected'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    job = (await call('GET', `/bulk-jobs/${jobId}`)).json();
  }
  assert.equal(job.state, 'done', JSON.stringify(job));
  assert.equal(job.created, 1);
  const result = await call('GET', `/bulk-jobs/${jobId}/result?format=csv`);
  assert.match(result.body, /2,created,bulk\.person@care\.example,/);
  assert.equal((await call('POST', '/organisations/B82001/bulk-accounts', { csv: 'organisation_code,first_name,last_name\nB82001,A,B\n' })).statusCode, 403);
});

test('contacts over the API, scoped to the key\'s organisation', async () => {
  const made = await call('POST', '/organisations/RXN01/contacts', { firstName: 'Agency', lastName: 'Locum', externalEmail: 'locum@agency.example' });
  assert.equal(made.statusCode, 201, made.body);
  assert.equal((await call('GET', '/organisations/RXN01/contacts')).json().contacts.length, 1);
  assert.equal((await call('POST', '/organisations/B82001/contacts', { firstName: 'No', lastName: 'Way' })).statusCode, 403);
  assert.equal((await call('DELETE', `/contacts/${made.json().id}`)).statusCode, 200);
});
