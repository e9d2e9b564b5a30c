import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACTIONS, type Action, authorise, decide, type TargetOrganisation } from '../../src/identity/authorise.ts';
import { ROLES, type Role } from '../../src/identity/roles.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

/**
 * The tree for the table:  ROOT ─┬─ PARENT ─┬─ OWN ── CHILD
 *                                │          └─ SIBLING
 *                                └─ NAS (centrally administered)
 * Each role is held at OWN (the NAS admin at NAS, as in the service).
 */
const T: Record<string, TargetOrganisation> = {
  own: { id: 'own', ancestorIds: ['parent', 'root'], nas: false },
  child: { id: 'child', ancestorIds: ['own', 'parent', 'root'], nas: false },
  sibling: { id: 'sibling', ancestorIds: ['parent', 'root'], nas: false },
  parent: { id: 'parent', ancestorIds: ['root'], nas: false },
  nas: { id: 'nas', ancestorIds: ['root'], nas: true },
};
const WHERE = Object.keys(T) as Array<keyof typeof T>;

const LOCAL_ADMIN_ACTIONS: Action[] = [
  'organisation.read', 'organisation.edit', 'account.read', 'account.list', 'account.create', 'account.import', 'account.edit', 'audit.read',
  'directory.see_hidden', 'account.lifecycle', 'contact.edit', 'apikey.manage', 'report.read',
  // SPEC 4: an LA unlocks accounts and marks them compromised; a helpdesk unlocks only.
  'account.unlock', 'account.mark_compromised',
  // SPEC 4: LAs reset MFA; LAs and helpdesks verify callers by their secret and re-secure it.
  'account.reset_mfa', 'account.verify_caller', 'account.resecure',
  // SPEC 7: an LA approves who in their organisations may send encrypted mail (secure.manage is national only).
  'secure.approve_senders',
  // SPEC 6: an LA asks for an enhanced mailbox quota, and lowers it.
  'mail.quota',
];
const HELPDESK_ACTIONS: Action[] = ['organisation.read', 'account.read', 'account.list', 'account.edit', 'directory.see_hidden', 'account.unlock', 'account.verify_caller', 'account.resecure'];
const READ_ACTIONS: Action[] = ['organisation.read', 'account.read', 'account.list', 'audit.read'];

/** The expected answer, written out as the SPEC says it, independent of the code's own table. */
function expected(role: Role, action: Action, where: keyof typeof T): boolean {
  const local = where === 'own' || where === 'child';
  switch (role) {
    case 'global_admin':
      // SPEC 1: approvals belong to the Authorisations role, so a Global Admin's request still needs a second person.
      return action !== 'approval.decide';
    case 'global_helpdesk':
      return HELPDESK_ACTIONS.includes(action);
    case 'local_primary_admin':
      return local && [...LOCAL_ADMIN_ACTIONS, 'role.grant_local'].includes(action);
    case 'local_admin':
      return local && LOCAL_ADMIN_ACTIONS.includes(action);
    case 'local_helpdesk':
      return local && HELPDESK_ACTIONS.includes(action);
    case 'nas_admin':
      return where === 'nas' && LOCAL_ADMIN_ACTIONS.includes(action);
    case 'authorisations':
      return local && ['organisation.read', 'account.read', 'account.list', 'approval.decide'].includes(action);
    case 'audit':
      return local && [...READ_ACTIONS, 'report.read'].includes(action);
  }
}

describe('authorise: every role, every action, against own, child, sibling, parent and NAS organisations', () => {
  for (const role of ROLES) {
    for (const action of ACTIONS) {
      test(`${role} ${action}`, () => {
        const heldAt = role === 'nas_admin' ? 'nas' : 'own';
        const actor = { kind: 'account' as const, accountId: 'a', label: 'a@x', grants: [{ role, organisationId: heldAt }] };
        const got = WHERE.map((w) => decide(actor, action, T[w]).allowed);
        const want = WHERE.map((w) => expected(role, action, w));
        assert.deepEqual(Object.fromEntries(WHERE.map((w, i) => [w, got[i]])), Object.fromEntries(WHERE.map((w, i) => [w, want[i]])));
      });
    }
  }

  test('a person with no role may do no administrative action', () => {
    const actor = { kind: 'account' as const, accountId: 'a', label: 'a@x', grants: [] };
    for (const action of ACTIONS) for (const w of WHERE) assert.equal(decide(actor, action, T[w]).allowed, false);
  });

  test('creating a top-level organisation needs a global role', () => {
    const la = { kind: 'account' as const, accountId: 'a', label: 'a@x', grants: [{ role: 'local_admin' as Role, organisationId: 'own' }] };
    const ga = { kind: 'account' as const, accountId: 'g', label: 'g@x', grants: [{ role: 'global_admin' as Role, organisationId: 'root' }] };
    assert.equal(decide(la, 'organisation.create', null).allowed, false);
    assert.equal(decide(ga, 'organisation.create', null).allowed, true);
  });

  test("an organisation's API key acts as a Local Administrator there, never at a sibling or parent", () => {
    const key = { kind: 'api_key' as const, keyId: 'k', organisationId: 'own', label: 'API key', grants: [{ role: 'local_admin' as Role, organisationId: 'own' }] };
    for (const action of ACTIONS) {
      const got = WHERE.map((w) => decide(key, action, T[w]).allowed);
      assert.deepEqual(got, WHERE.map((w) => expected('local_admin', action, w)), action);
    }
  });

  test('a refusal says why', () => {
    const la = { kind: 'account' as const, accountId: 'a', label: 'a@x', grants: [{ role: 'local_admin' as Role, organisationId: 'own' }] };
    const d = decide(la, 'account.create', T.sibling);
    assert.equal(d.allowed, false);
    assert.match((d as { reason: string }).reason, /their own organisation and the organisations below it/);
  });
});

describe('authorise against the real tree', () => {
  let database: TestDatabase;
  let world: Awaited<ReturnType<typeof demoWorld>>;
  before(async () => {
    database = await openTestDatabase();
    world = await demoWorld(database.db);
  });
  after(async () => {
    await database.close();
  });

  test('the trust LA reaches the trust and its sites, not the GP practice, the region or the NAS', async () => {
    const la = await world.actorFor('sam.taylor@care.example');
    const answers: Record<string, boolean> = {};
    for (const code of ['RXN', 'RXN01', 'RXN02', 'B82001', 'Y63', 'VLX12']) {
      answers[code] = (await authorise(database.db, la, 'account.create', { organisationId: await world.orgId(code) })).allowed;
    }
    assert.deepEqual(answers, { RXN: true, RXN01: true, RXN02: true, B82001: false, Y63: false, VLX12: false });
  });

  test('the NAS admin reaches the care home and pharmacy, not the trust', async () => {
    const nas = await world.actorFor('nadia.shah@care.example');
    assert.equal((await authorise(database.db, nas, 'account.create', { organisationId: await world.orgId('FA123') })).allowed, true);
    assert.equal((await authorise(database.db, nas, 'account.create', { organisationId: await world.orgId('VLX12') })).allowed, true);
    assert.equal((await authorise(database.db, nas, 'account.create', { organisationId: await world.orgId('RXN') })).allowed, false);
  });

  test('the Global Admin reaches everything; an ordinary user nothing', async () => {
    const ga = await world.actorFor('priya.patel@care.example');
    const user = await world.actorFor('jonathan.smith@care.example');
    for (const code of ['RXN01', 'B82001', 'FA123']) {
      const id = await world.orgId(code);
      assert.equal((await authorise(database.db, ga, 'account.create', { organisationId: id })).allowed, true);
      assert.equal((await authorise(database.db, user, 'account.list', { organisationId: id })).allowed, false);
    }
  });
});
