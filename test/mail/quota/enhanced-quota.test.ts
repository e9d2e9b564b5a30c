import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decideApproval } from '../../../src/approvals/decide.ts';
import { listPendingApprovals } from '../../../src/approvals/requests.ts';
import { NotAllowedError } from '../../../src/identity/authorise.ts';
import { ENHANCED_QUOTA_KIND, quotaState, requestEnhancedQuota, setStandardQuota } from '../../../src/mail/quota/enhanced-quota.ts';
import { ENHANCED_QUOTA_BYTES, STANDARD_QUOTA_BYTES } from '../../../src/mail/store/usage.ts';
import { outboxNotifier, readOutbox } from '../../../src/notify/notifier.ts';
import { ConflictError, ValidationError } from '../../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
const id = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
const grant = async (email: string, code: string) =>
  database.db.insertInto('account_roles').values({ account_id: await id(email), organisation_id: await world.orgId(code), role: 'authorisations' }).execute();
const as = async (email: string) => ({ actor: await world.actorFor(email), frontDoor: 'portal' as const });
const audits = async (action: string) => database.db.selectFrom('audit_events').select(['action', 'actor_label', 'detail']).where('action', '=', action).execute();

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
  // National Authorisations (Priya, at the root), one in the trust (Alex, at RXN), one at a GP practice beside it (Amara).
  await grant('priya.patel@care.example', 'X26');
  await grant('alex.morgan@care.example', 'RXN');
  await grant('amara.okafor@care.example', 'B82001');
  await grant('sam.taylor@care.example', 'RXN');
});
after(async () => database.close());

describe('enhanced mailbox quota needs a second person', () => {
  test('an LA asks; the quota stays standard while the request is pending; a second request is refused', async () => {
    const jonathan = await id('jonathan.smith@care.example');
    const r = await requestEnhancedQuota(database.db, jonathan, 'Consultant receives large imaging reports', await as('sam.taylor@care.example'));
    assert.equal(r.status, 'pending');
    assert.equal(r.kind, ENHANCED_QUOTA_KIND);
    const s = await quotaState(database.db, jonathan);
    assert.equal(s.quotaBytes, STANDARD_QUOTA_BYTES);
    assert.equal(s.pending?.id, r.id);
    await assert.rejects(requestEnhancedQuota(database.db, jonathan, 'again', await as('alex.morgan@care.example')), ConflictError);
    const [entry] = await audits('approval.requested');
    assert.equal(entry.actor_label, 'sam.taylor@care.example');
  });

  test('an LA outside the account\'s organisation cannot ask, and nor can someone without an admin role', async () => {
    const jane = await id('jane.smith@care.example');
    await assert.rejects(requestEnhancedQuota(database.db, jane, '', await as('nadia.shah@care.example')), NotAllowedError);
    await assert.rejects(requestEnhancedQuota(database.db, jane, '', await as('amara.okafor@care.example')), NotAllowedError);
  });

  test('the requester cannot approve their own request, nor can anyone out of reach, nor a plain LA', async () => {
    const notifier = outboxNotifier(database.db);
    const pending = (await quotaState(database.db, await id('jonathan.smith@care.example'))).pending!;
    await assert.rejects(decideApproval(database.db, notifier, pending.id, { outcome: 'approved' }, await as('sam.taylor@care.example')), /someone else/);
    await assert.rejects(decideApproval(database.db, notifier, pending.id, { outcome: 'approved' }, await as('amara.okafor@care.example')), NotAllowedError);
    await assert.rejects(decideApproval(database.db, notifier, pending.id, { outcome: 'approved' }, await as('nadia.shah@care.example')), NotAllowedError);
    assert.equal((await quotaState(database.db, await id('jonathan.smith@care.example'))).quotaBytes, STANDARD_QUOTA_BYTES);
  });

  test('pending requests are listed to Authorisations holders who reach them, and to no one else', async () => {
    const ids = async (email: string) => (await listPendingApprovals(database.db, await world.actorFor(email))).map((r) => r.target_email);
    assert.deepEqual(await ids('priya.patel@care.example'), ['jonathan.smith@care.example']);
    assert.deepEqual(await ids('alex.morgan@care.example'), ['jonathan.smith@care.example']);
    assert.deepEqual(await ids('amara.okafor@care.example'), []);
    assert.deepEqual(await ids('nadia.shah@care.example'), []);
  });

  test('approval by a second person makes the quota 50 GB, emails the requester and is audited', async () => {
    const jonathan = await id('jonathan.smith@care.example');
    const pending = (await quotaState(database.db, jonathan)).pending!;
    const decided = await decideApproval(database.db, outboxNotifier(database.db), pending.id, { outcome: 'approved' }, await as('alex.morgan@care.example'));
    assert.equal(decided.status, 'approved');
    const s = await quotaState(database.db, jonathan);
    assert.equal(s.quotaBytes, ENHANCED_QUOTA_BYTES);
    assert.equal(s.level, 'enhanced');
    assert.equal(s.pending, null);
    const [mail] = await readOutbox(database.db, { recipient: 'sam.taylor@care.example', purpose: 'approval_approved' });
    assert.match(mail.subject!, /approved for jonathan\.smith@care\.example/);
    assert.match(mail.body, /alex\.morgan@care\.example/);
    assert.equal((await audits('approval.approved')).length, 1);
    assert.ok((await audits('mail.quota_changed')).some((a) => (a.detail as { toBytes: number }).toBytes === ENHANCED_QUOTA_BYTES));
    await assert.rejects(decideApproval(database.db, outboxNotifier(database.db), pending.id, { outcome: 'rejected', note: 'late' }, await as('priya.patel@care.example')), /already been approved/);
  });

  test('lowering back to standard needs no approval and is audited', async () => {
    const jonathan = await id('jonathan.smith@care.example');
    assert.deepEqual(await setStandardQuota(database.db, jonathan, await as('sam.taylor@care.example')), { changed: true, withdrawn: false });
    assert.equal((await quotaState(database.db, jonathan)).quotaBytes, STANDARD_QUOTA_BYTES);
    assert.ok((await audits('mail.quota_changed')).some((a) => (a.detail as { toBytes: number }).toBytes === STANDARD_QUOTA_BYTES));
  });

  test('a rejection needs a reason, leaves the quota alone and tells the requester why', async () => {
    const jonathan = await id('jonathan.smith@care.example');
    const r = await requestEnhancedQuota(database.db, jonathan, 'Needs more', await as('alex.morgan@care.example'));
    await assert.rejects(decideApproval(database.db, outboxNotifier(database.db), r.id, { outcome: 'rejected' }, await as('priya.patel@care.example')), ValidationError);
    await decideApproval(database.db, outboxNotifier(database.db), r.id, { outcome: 'rejected', note: 'Archive old mail first' }, await as('priya.patel@care.example'));
    assert.equal((await quotaState(database.db, jonathan)).quotaBytes, STANDARD_QUOTA_BYTES);
    const [mail] = await readOutbox(database.db, { recipient: 'alex.morgan@care.example', purpose: 'approval_rejected' });
    assert.match(mail.body, /Archive old mail first/);
  });

  test('nobody approves a raise of their own mailbox, and lowering withdraws a pending raise', async () => {
    const alex = await id('alex.morgan@care.example');
    const r = await requestEnhancedQuota(database.db, alex, 'IT lead', await as('sam.taylor@care.example'));
    await assert.rejects(decideApproval(database.db, outboxNotifier(database.db), r.id, { outcome: 'approved' }, await as('alex.morgan@care.example')), /your own account/);
    assert.deepEqual(await setStandardQuota(database.db, alex, await as('sam.taylor@care.example')), { changed: false, withdrawn: true });
    assert.equal((await quotaState(database.db, alex)).pending, null);
  });
});
