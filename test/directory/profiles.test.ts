import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createApiKey } from '../../src/directory/api-keys.ts';
import { addContact } from '../../src/directory/contacts.ts';
import { searchPeople } from '../../src/directory/people-finder.ts';
import { getProfile, updateProfile } from '../../src/directory/profiles.ts';
import { NotAllowedError } from '../../src/identity/authorise.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import { portalWorld } from '../helpers/portal-world.ts';
import { PortalClient } from '../helpers/portal.ts';

const t = portalWorld();

describe('profiles', () => {
  test('a user edits their own profile in the Portal, and hides their mobile', async () => {
    const c = new PortalClient(t.app);
    await c.signIn('jonathan.smith@care.example');
    await c.get('/account/profile');
    const res = await c.post('/account/profile', { jobTitle: 'Consultant cardiologist', department: 'Cardiology', mobile: '07700 900123', mobileHidden: '1', workPhone: '0113 496 0777' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Your changes have been saved/);
    const p = await getProfile(t.database.db, await t.idOf('jonathan.smith@care.example'));
    assert.equal(p.values.department, 'Cardiology');
    assert.equal(p.values.mobileHidden, true);
    const bad = await c.post('/account/profile', { mobile: '12345' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Mobile must be a UK mobile number/);
  });

  test("an LA edits a profile in reach; a user cannot edit someone else's", async () => {
    const jane = await t.idOf('jane.smith@care.example');
    await updateProfile(t.database.db, jane, { jobTitle: 'District nurse' }, { actor: await t.world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' });
    assert.equal((await getProfile(t.database.db, jane)).values.jobTitle, 'District nurse');
    await assert.rejects(updateProfile(t.database.db, jane, { jobTitle: 'X' }, { actor: await t.world.actorFor('amara.okafor@care.example'), frontDoor: 'portal' }), NotAllowedError);
  });

  test('fields fed by the organisation\'s system are locked against hand edits and marked', async () => {
    const jane = await t.idOf('jane.smith@care.example');
    const { token } = await createApiKey(t.database.db, { organisationId: await t.world.orgId('RXN'), name: 'ESR' }, { actor: await t.world.actorFor('alex.morgan@care.example'), frontDoor: 'portal' });
    const res = await t.app.inject({ method: 'PUT', url: `/api/v1/accounts/${jane}/profile?sync=1`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ jobTitle: 'Community staff nurse', department: 'Community' }) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual((await getProfile(t.database.db, jane)).synced.sort(), ['department', 'jobTitle']);
    await assert.rejects(updateProfile(t.database.db, jane, { jobTitle: 'Hand edit' }, { actor: await t.world.actorFor('jane.smith@care.example'), frontDoor: 'portal' }), (err: ValidationError) => {
      assert.match(err.problems[0].message, /comes from your organisation's own system/);
      return true;
    });
    // Other fields stay editable by hand.
    await updateProfile(t.database.db, jane, { location: 'Riverside' }, { actor: await t.world.actorFor('jane.smith@care.example'), frontDoor: 'portal' });
    const c = new PortalClient(t.app);
    await c.signIn('jane.smith@care.example');
    const page = await c.get('/account/profile');
    assert.match(page.body, /Community staff nurse <strong class="nhsuk-tag nhsuk-tag--grey">From your organisation's system/);
    // Saving the form leaves the locked fields alone.
    assert.equal((await c.post('/account/profile', { location: 'Riverside Hub' })).statusCode, 200);
    assert.equal((await getProfile(t.database.db, jane)).values.jobTitle, 'Community staff nurse');
  });
});

describe('directory contacts', () => {
  test('an LA keeps contacts; People Finder shows them marked as contacts', async () => {
    const rxn = await t.world.orgId('RXN');
    await addContact(t.database.db, rxn, { firstName: 'Jon', lastName: 'Smithers', jobTitle: 'Locum consultant', externalEmail: 'jon@agency.example', note: 'Via the locum agency' }, { actor: await t.world.actorFor('sam.taylor@care.example'), frontDoor: 'portal' });
    await assert.rejects(addContact(t.database.db, rxn, { firstName: 'No', lastName: 'Way' }, { actor: await t.world.actorFor('amara.okafor@care.example'), frontDoor: 'portal' }), NotAllowedError);
    const r = await searchPeople(t.database.db, await t.world.actorFor('amara.okafor@care.example'), { name: 'jon smi' });
    const contact = r.rows.find((x) => x.kind === 'contact')!;
    assert.equal(contact.displayName, 'Jon Smithers');
    assert.equal(contact.email, 'jon@agency.example');
    const c = new PortalClient(t.app);
    await c.signIn('amara.okafor@care.example');
    const page = await c.get('/people?name=jon+smi');
    assert.match(page.body, /Jon Smithers <strong class="nhsuk-tag nhsuk-tag--grey">Contact<\/strong>/);
  });

  test('contacts in the Portal: add with an error first, then remove', async () => {
    const c = new PortalClient(t.app);
    await c.signIn('alex.morgan@care.example');
    await c.get('/admin/organisations/RXN01/contacts');
    const bad = await c.post('/admin/organisations/RXN01/contacts', { firstName: 'Ann', lastName: '', externalEmail: 'nope' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter the last name/);
    assert.equal((await c.post('/admin/organisations/RXN01/contacts', { firstName: 'Ann', lastName: 'Other' })).statusCode, 303);
    const list = await c.get('/admin/organisations/RXN01/contacts');
    const id = list.body.match(/contacts\/([0-9a-f-]{36})\/delete/)![1];
    assert.equal((await c.post(`/admin/organisations/RXN01/contacts/${id}/delete`, {})).statusCode, 303);
    assert.equal((await t.database.db.selectFrom('directory_contacts').select('id').where('id', '=', id).execute()).length, 0);
  });
});
