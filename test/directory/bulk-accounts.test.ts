import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { getBulkJob, runBulkJob, startBulkJob } from '../../src/directory/bulk-accounts.ts';
import { getProfile, updateProfile } from '../../src/directory/profiles.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { DOMAIN, demoWorld } from '../helpers/world.ts';

let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
let app: FastifyInstance;

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  app = await testPortal(database);
});
after(async () => {
  await app.close();
  await database.close();
});

async function run(csv: string, as = 'sam.taylor@care.example', code = 'RXN') {
  const ctx = { actor: await world.actorFor(as), frontDoor: 'portal' as const, domain: DOMAIN };
  const orgId = await world.orgId(code);
  const id = await startBulkJob(database.db, orgId, ctx);
  await runBulkJob(database.db, id, orgId, csv, ctx);
  return (await getBulkJob(database.db, id))!;
}

const HEADER = 'organisation_code,first_name,last_name,job_title,external_sync_id,unit';

describe('bulk create and update from CSV', () => {
  test('every bad row is reported by line and reason, and nothing is written', async () => {
    const job = await run([
      HEADER,
      'RXN01,Good,Person,Nurse,ESR-1,',
      'RXN01,,Nameless,,ESR-2,',
      'B82001,Wrong,Place,,ESR-3,',
      'RXN01,Dup,Licate,,ESR-1,',
      'RXN01,No,Unit,,ESR-4,Ward 99',
    ].join('\n'));
    assert.equal(job.state, 'rejected');
    assert.deepEqual(job.problems.map((p) => [p.line, p.field]), [[3, 'first_name'], [4, 'organisation_code'], [5, 'external_sync_id'], [6, 'unit']]);
    assert.match(job.problems[1].message, /cannot manage accounts in Meadow Lane Surgery/);
    assert.equal((await database.db.selectFrom('accounts').select('id').where('last_name', '=', 'Person').execute()).length, 0);
  });

  test('a clean file creates accounts (with collisions numbered) and gives a result file with temporary passwords', async () => {
    const job = await run([HEADER, 'RXN01,Jonathan,Smith,Registrar,ESR-10,Ward 7 (Cardiology)', 'RXN02,Ann,Example,Nurse,ESR-11,', 'RXN02,Ann,Example,Nurse,,'].join('\n'));
    assert.equal(job.state, 'done', JSON.stringify(job.problems));
    assert.equal(job.created_count, 3);
    const lines = job.result_csv!.trim().split('\n');
    assert.equal(lines[0], 'line,action,email,temporary_password');
    assert.match(lines[1], /^2,created,jonathan\.smith2@care\.example,[A-Za-z2-9]{16}$/);
    assert.match(lines[2], /^3,created,ann\.example@care\.example,/);
    assert.match(lines[3], /^4,created,ann\.example2@care\.example,/);
    const a = await database.db.selectFrom('accounts').selectAll().where('email', '=', 'jonathan.smith2@care.example').executeTakeFirstOrThrow();
    assert.equal(a.display_name, 'Smith, Jonathan (NGH)');
    assert.ok(a.unit_id);
    const audit = await database.db.selectFrom('audit_events').select('detail').where('action', '=', 'account.bulk').execute();
    assert.equal(audit.length, 2); // one per organisation
  });

  test("a row with a known ExternalSyncID updates that account, and its fields are then the organisation's", async () => {
    const job = await run([HEADER, 'RXN01,Jonathan,Smith,Specialty registrar,ESR-10,', 'RXN01,New,Starter,,ESR-12,'].join('\n'));
    assert.equal(job.state, 'done', JSON.stringify(job.problems));
    assert.deepEqual([job.created_count, job.updated_count], [1, 1]);
    assert.match(job.result_csv!, /\n2,updated,jonathan\.smith2@care\.example,\n/);
    const id = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jonathan.smith2@care.example').executeTakeFirstOrThrow()).id;
    const p = await getProfile(database.db, id);
    assert.equal(p.values.jobTitle, 'Specialty registrar');
    assert.ok(p.synced.includes('jobTitle'));
    await assert.rejects(updateProfile(database.db, id, { jobTitle: 'By hand' }, { actor: await world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' }), ValidationError);
  });

  test('a closed organisation takes no new accounts; a GP LA cannot start a job for the trust', async () => {
    await database.db.updateTable('organisations').set({ status: 'closed' }).where('code', '=', 'RXN02').execute();
    const job = await run([HEADER, 'RXN02,Late,Comer,,,'].join('\n'));
    assert.equal(job.state, 'rejected');
    assert.match(job.problems[0].message, /closed and cannot have new accounts/);
    await database.db.updateTable('organisations').set({ status: 'open' }).where('code', '=', 'RXN02').execute();
    await assert.rejects(startBulkJob(database.db, await world.orgId('RXN'), { actor: await world.actorFor('amara.okafor@care.example'), frontDoor: 'portal', domain: DOMAIN }), NotAllowedError);
  });

  test('in the Portal: upload, a self-refreshing progress page, then the result file', async () => {
    const c = new PortalClient(app);
    await c.signIn('sam.taylor@care.example');
    await c.get('/admin/organisations/RXN/bulk');
    const boundary = '----caremail';
    const body = [
      `--${boundary}`, 'Content-Disposition: form-data; name="_csrf"', '', c.csrf(),
      `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="people.csv"', 'Content-Type: text/csv', '', `${HEADER}\nRXN01,Portal,Upload,,,`,
      `--${boundary}--`, '',
    ].join('\r\n');
    const res = await app.inject({ method: 'POST', url: '/admin/organisations/RXN/bulk', headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    assert.equal(res.statusCode, 303);
    const jobUrl = res.headers.location as string;
    let page = await c.get(jobUrl);
    for (let i = 0; i < 50 && /http-equiv="refresh"/.test(page.body); i++) {
      await new Promise((r) => setTimeout(r, 100));
      page = await c.get(jobUrl);
    }
    assert.match(page.body, /1 created, 0 updated/);
    const file = await c.get(`${jobUrl}/result.csv`);
    assert.equal(file.statusCode, 200);
    assert.match(file.body, /portal\.upload@care\.example/);
    const other = new PortalClient(app);
    await other.signIn('nadia.shah@care.example');
    assert.equal((await other.get(`${jobUrl}/result.csv`)).statusCode, 403);
  });
});
