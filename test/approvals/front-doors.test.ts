/**
 * The enhanced quota through every front door: the Portal (an LA asks, an
 * Authorisations holder approves in the list), the JSON API (a key asks but
 * cannot approve) and the command line; IMAP QUOTA and webmail then show it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ImapFlow } from 'imapflow';
import { runCli } from '../../src/cli/main.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createDemoWorld } from '../../src/demo/world.ts';
import { createApiKey } from '../../src/directory/api-keys.ts';
import { accountActor } from '../../src/identity/actor.ts';
import { quotaState, requestEnhancedQuota } from '../../src/mail/quota/enhanced-quota.ts';
import { ENHANCED_QUOTA_BYTES, STANDARD_QUOTA_BYTES } from '../../src/mail/store/usage.ts';
import { readOutbox } from '../../src/notify/notifier.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { PortalClient, testPortal } from '../helpers/portal.ts';
import { imapWorld, PASSWORD, type ImapWorld } from '../mail/imap/server/helpers.ts';

const JONATHAN = 'jonathan.smith@care.example';
const JANE = 'jane.smith@care.example';
const SAM = 'sam.taylor@care.example';
const PRIYA = 'priya.patel@care.example';

let world: ImapWorld;
let app: FastifyInstance;
let key: string;

before(async () => {
  world = await imapWorld();
  app = await testPortal(world.database);
  const db = world.database.db;
  const root = await db.selectFrom('organisations').select('id').where('code', '=', 'X26').executeTakeFirstOrThrow();
  await db.insertInto('account_roles').values({ account_id: await world.accountId(PRIYA), organisation_id: root.id, role: 'authorisations' }).execute();
  const rxn = await db.selectFrom('organisations').select('id').where('code', '=', 'RXN').executeTakeFirstOrThrow();
  const alex = await accountActor(db, await world.accountId('alex.morgan@care.example'));
  key = (await createApiKey(db, { organisationId: rxn.id, name: 'ESR feed' }, { actor: alex, frontDoor: 'portal' })).token;
});
after(async () => {
  await app.close();
  await world.close();
});

async function api(method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await app.inject({
    method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    payload: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.statusCode, json: res.json() };
}

describe('Portal', () => {
  test('an LA asks for 50 GB, it stays pending; another person with Authorisations approves; IMAP and webmail show 50 GB', async () => {
    const jonathan = await world.accountId(JONATHAN);
    const sam = new PortalClient(app);
    assert.equal((await sam.signIn(SAM)).statusCode, 303);
    let page = await sam.get(`/admin/accounts/${jonathan}/mailbox`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /4\.0 GB \(standard\)/);
    assert.equal((await sam.post(`/admin/accounts/${jonathan}/mailbox/enhanced`, { reason: '' })).statusCode, 400);
    assert.match(sam.lastHtml, /Say why this person needs a larger mailbox/);
    await sam.get(`/admin/accounts/${jonathan}/mailbox`);
    const asked = await sam.post(`/admin/accounts/${jonathan}/mailbox/enhanced`, { reason: 'Large imaging reports' });
    assert.equal(asked.statusCode, 303);
    page = await sam.get(asked.headers.location as string);
    assert.match(page.body, /Pending/);
    assert.equal((await quotaState(world.database.db, jonathan)).quotaBytes, STANDARD_QUOTA_BYTES);
    // Sam has no Authorisations role: no list for him.
    assert.equal((await sam.get('/admin/approvals')).statusCode, 403);

    const priya = new PortalClient(app);
    assert.equal((await priya.signIn(PRIYA)).statusCode, 303);
    const list = await priya.get('/admin/approvals');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /jonathan\.smith@care\.example/);
    assert.match(list.body, /Large imaging reports/);
    const { id } = (await quotaState(world.database.db, jonathan)).pending!;
    const rejectEmpty = await priya.post(`/admin/approvals/${id}/reject`, { note: '' });
    assert.equal(rejectEmpty.statusCode, 400);
    const approved = await priya.post(`/admin/approvals/${id}/approve`, {});
    assert.equal(approved.statusCode, 303);
    assert.match((await priya.get(approved.headers.location as string)).body, /Nothing is waiting for approval/);
    assert.equal((await quotaState(world.database.db, jonathan)).quotaBytes, ENHANCED_QUOTA_BYTES);
    const [mail] = await readOutbox(world.database.db, { recipient: SAM, purpose: 'approval_approved' });
    assert.ok(mail);

    const imap = new ImapFlow({ host: '127.0.0.1', port: world.server.port, secure: false, auth: { user: JONATHAN, pass: PASSWORD }, logger: false, tls: { rejectUnauthorized: false } });
    await imap.connect();
    const quota = await imap.getQuota('INBOX');
    await imap.logout();
    assert.ok(quota && quota.storage);
    assert.equal(quota.storage.limit, ENHANCED_QUOTA_BYTES);
    const person = new PortalClient(app);
    await person.signIn(JONATHAN);
    assert.match((await person.get('/mail')).body, /of 50\.0 GB used/);
  });

  test('an LA of another organisation cannot see or change the mailbox size', async () => {
    const nadia = new PortalClient(app);
    await nadia.signIn('nadia.shah@care.example');
    const jane = await world.accountId(JANE);
    assert.equal((await nadia.get(`/admin/accounts/${jane}/mailbox`)).statusCode, 403);
    await nadia.get('/admin');
    assert.equal((await nadia.post(`/admin/accounts/${jane}/mailbox/enhanced`, { reason: 'x' })).statusCode, 403);
  });
});

describe('Portal: withdrawing', () => {
  test('an LA withdraws a pending request by keeping the standard quota', async () => {
    const jane = await world.accountId(JANE);
    const sam = new PortalClient(app);
    await sam.signIn(SAM);
    await sam.get(`/admin/accounts/${jane}/mailbox`);
    await sam.post(`/admin/accounts/${jane}/mailbox/enhanced`, { reason: 'Temporary project' });
    const page = await sam.get(`/admin/accounts/${jane}/mailbox`);
    assert.match(page.body, /Withdraw the request/);
    const res = await sam.post(`/admin/accounts/${jane}/mailbox/standard`, {});
    assert.equal(res.headers.location, `/admin/accounts/${jane}/mailbox?done=withdrawn`);
    assert.match((await sam.get(res.headers.location as string)).body, /The request for the enhanced quota is withdrawn/);
    assert.equal((await quotaState(world.database.db, jane)).pending, null);
  });
});

describe('JSON API', () => {
  test('a key asks for the enhanced quota (202, pending) but cannot approve; a rejection is emailed to the key\'s maker', async () => {
    const jane = await world.accountId(JANE);
    const bad = await api('POST', `/accounts/${jane}/mail-quota`, { level: 'enhanced' });
    assert.equal(bad.status, 400);
    const asked = await api('POST', `/accounts/${jane}/mail-quota`, { level: 'enhanced', reason: 'Community team lead' });
    assert.equal(asked.status, 202);
    assert.equal(asked.json.request.status, 'pending');
    const shown = await api('GET', `/accounts/${jane}/mail-quota`);
    assert.equal(shown.json.quotaBytes, STANDARD_QUOTA_BYTES);
    assert.equal(shown.json.pendingRequest.id, asked.json.request.id);
    assert.deepEqual((await api('GET', '/approvals')).json.requests, []);
    const approve = await api('POST', `/approvals/${asked.json.request.id}/approve`, {});
    assert.equal(approve.status, 403);
    assert.match(approve.json.message, /cannot approve|can ask but not approve/);
    assert.equal((await api('POST', `/accounts/${jane}/mail-quota`, { level: 'enhanced', reason: 'again' })).status, 409);

    const priya = new PortalClient(app);
    await priya.signIn(PRIYA);
    await priya.get('/admin/approvals');
    assert.equal((await priya.post(`/admin/approvals/${asked.json.request.id}/reject`, { note: 'Use the shared mailbox' })).statusCode, 303);
    const [mail] = await readOutbox(world.database.db, { recipient: 'alex.morgan@care.example', purpose: 'approval_rejected' });
    assert.match(mail.body, /Use the shared mailbox/);
    assert.equal((await api('GET', `/accounts/${jane}/mail-quota`)).json.pendingRequest, null);
  });

  test('going back to standard is immediate', async () => {
    const jonathan = await world.accountId(JONATHAN);
    const res = await api('POST', `/accounts/${jonathan}/mail-quota`, { level: 'standard' });
    assert.equal(res.status, 200);
    assert.equal(res.json.changed, true);
    assert.equal((await quotaState(world.database.db, jonathan)).quotaBytes, STANDARD_QUOTA_BYTES);
  });
});

describe('command line', () => {
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  let dir: string;
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'caremail-quota-cli-'));
    if (process.env.DATABASE_URL) {
      database = await openTestDatabase();
      env = { DATABASE_URL: database.url! };
      await createDemoWorld(database.db, 'care.example');
    } else {
      env = { CAREMAIL_DATA_DIR: join(dir, 'data') };
      const d = await openDatabase({ dataDir: join(dir, 'data') });
      await migrateToLatest(d.db);
      await createDemoWorld(d.db, 'care.example');
      await d.close();
    }
  });
  after(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('quota request, approval list and approve: the person at the shell cannot approve their own request', async () => {
    let c = capture();
    assert.equal(await runCli(['quota', 'request', '--email', JONATHAN, '--reason', 'Imaging'], c.io, env), 0, c.err.join('\n'));
    const id = c.out[0].match(/request ([0-9a-f-]{36})/)![1];
    c = capture();
    assert.equal(await runCli(['approval', 'list'], c.io, env), 0);
    assert.match(c.out.join('\n'), new RegExp(`${id}.*jonathan\\.smith@care\\.example.*Imaging`));
    c = capture();
    assert.equal(await runCli(['approval', 'approve', id], c.io, env), 1);
    assert.match(c.err.join('\n'), /someone else/);
    c = capture();
    assert.equal(await runCli(['approval', 'reject', id], c.io, env), 2);
    c = capture();
    assert.equal(await runCli(['quota', 'standard', '--email', JONATHAN], c.io, env), 0);
    assert.match(c.out.join('\n'), /withdrawn/);
  });

  test('a request made by an LA elsewhere is approved at the shell, and the quota shows 50 GB', async () => {
    const opened = database ?? await openDatabase({ dataDir: env.CAREMAIL_DATA_DIR });
    try {
      const db = opened.db;
      const sam = await db.selectFrom('accounts').select('id').where('email', '=', SAM).executeTakeFirstOrThrow();
      const jane = await db.selectFrom('accounts').select('id').where('email', '=', JANE).executeTakeFirstOrThrow();
      await requestEnhancedQuota(db, jane.id, 'Team lead', { actor: await accountActor(db, sam.id), frontDoor: 'portal' });
    } finally {
      if (!database) await opened.close();
    }
    let c = capture();
    await runCli(['quota', 'show', '--email', JANE], c.io, env);
    const id = c.out.join('\n').match(/request ([0-9a-f-]{36})/)![1];
    c = capture();
    assert.equal(await runCli(['approval', 'approve', id], c.io, env), 0, c.err.join('\n'));
    assert.match(c.out[0], /approved; sam\.taylor@care\.example has been emailed/);
    c = capture();
    assert.equal(await runCli(['quota', 'show', '--email', JANE], c.io, env), 0);
    assert.match(c.out[0], /of 50\.0 GB \(enhanced\)/);
  });
});
