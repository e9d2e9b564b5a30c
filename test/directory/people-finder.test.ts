import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { importOrganisationsCsv } from '../../src/directory/organisation-import.ts';
import { findOrganisationByCode } from '../../src/directory/organisations.ts';
import { pruneUnusedNames } from '../../src/directory/name-list.ts';
import { searchPeople } from '../../src/directory/people-finder.ts';
import { searchOrganisations } from '../../src/directory/organisation-finder.ts';
import { operatorActor } from '../../src/identity/actor.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const ctx = { actor: operatorActor(), frontDoor: 'cli' as const };
let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
});
after(async () => {
  await database.close();
});

const names = (r: { rows: Array<{ displayName: string }> }) => r.rows.map((x) => x.displayName);

describe('People Finder', () => {
  test('"jon smi" finds Jonathan Smith first, with organisation and job title', async () => {
    const user = await world.actorFor('amara.okafor@care.example');
    const r = await searchPeople(database.db, user, { name: 'jon smi' });
    assert.equal(r.rows[0].displayName, 'Smith, Jonathan (NGH)');
    assert.equal(r.rows[0].organisationName, 'Northfield General Hospital');
    assert.equal(r.rows[0].jobTitle, 'Consultant cardiologist');
    assert.ok(!names(r).includes('Smith, Jane (RCH)'));
  });

  test('accents and case are ignored, both ways', async () => {
    await database.db.updateTable('accounts').set({ first_name: 'Zoë', last_name: "O'Brien" }).where('email', '=', 'li.wei@care.example').execute();
    const op = operatorActor();
    assert.equal((await searchPeople(database.db, op, { name: 'ZOE obr' })).rows[0]?.firstName, 'Zoë');
    assert.equal((await searchPeople(database.db, op, { name: 'zoë' })).rows[0]?.firstName, 'Zoë');
    await database.db.updateTable('accounts').set({ first_name: 'Li', last_name: 'Wei' }).where('email', '=', 'li.wei@care.example').execute();
  });

  test('a misspelt name still finds the person (fuzzy)', async () => {
    const r = await searchPeople(database.db, operatorActor(), { name: 'jonathon smith' });
    assert.ok(names(r).includes('Smith, Jonathan (NGH)'), JSON.stringify(names(r)));
  });

  test('filters: organisation with and without its children, site type, job role', async () => {
    const op = operatorActor();
    assert.deepEqual(names(await searchPeople(database.db, op, { name: 'smith', organisation: 'RXN' })), []);
    assert.deepEqual(names(await searchPeople(database.db, op, { name: 'smith', organisation: 'RXN', includeChildren: '1' })), ['Smith, Jane (RCH)', 'Smith, Jonathan (NGH)']);
    assert.deepEqual(names(await searchPeople(database.db, op, { siteType: 'GP practice' })), ['Okafor, Amara (MEADOWLANE)']);
    await database.db.updateTable('accounts').set({ job_role: 'Pharmacist' }).where('email', '=', 'li.wei@care.example').execute();
    assert.deepEqual(names(await searchPeople(database.db, op, { organisation: 'NAS01', includeChildren: 'true', jobRole: 'Pharmacist' })), ['Wei, Li (HIGHSTPHARM)']);
  });

  test('results are paged with a count', async () => {
    const r = await searchPeople(database.db, operatorActor(), { organisation: 'X26', includeChildren: '1', pageSize: 4, page: 2 });
    assert.equal(r.total, 9);
    assert.equal(r.rows.length, 4);
    assert.equal(r.page, 2);
  });

  test('a search needs a name or a filter, and an unknown organisation says so', async () => {
    await assert.rejects(searchPeople(database.db, operatorActor(), {}), ValidationError);
    await assert.rejects(searchPeople(database.db, operatorActor(), { organisation: 'NOPE' }), /no organisation with code NOPE/);
  });

  test("a hidden mobile is hidden from other users and shown to the person's LA and helpdesk", async () => {
    await database.db.updateTable('accounts').set({ mobile_hidden: true }).where('email', '=', 'jonathan.smith@care.example').execute();
    const mobileAs = async (email: string) => (await searchPeople(database.db, await world.actorFor(email), { name: 'jonathan smith' })).rows[0].mobile;
    assert.equal(await mobileAs('amara.okafor@care.example'), null);
    assert.equal(await mobileAs('jane.smith@care.example'), null);
    assert.equal(await mobileAs('sam.taylor@care.example'), '07700900123');
    assert.equal(await mobileAs('jonathan.smith@care.example'), '07700900123');
    assert.equal(await mobileAs('nadia.shah@care.example'), null); // the NAS does not run the trust
    await database.db.updateTable('accounts').set({ mobile_hidden: false }).where('email', '=', 'jonathan.smith@care.example').execute();
  });

  test('organisations by name or code, with their LAs and the helpdesk up the tree', async () => {
    const [site] = await searchOrganisations(database.db, 'RXN01');
    assert.equal(site.name, 'Northfield General Hospital');
    assert.equal(site.helpdesk.phone, '0113 496 0000');
    assert.equal(site.helpdesk.from, 'Northfield NHS Foundation Trust');
    assert.deepEqual(site.localAdministrators.map((l) => l.email).sort(), ['alex.morgan@care.example', 'sam.taylor@care.example']);
    const byName = await searchOrganisations(database.db, 'meadow');
    assert.equal(byName[0].code, 'B82001');
  });
});

describe('People Finder subtree filter', () => {
  test('agrees with a naive walk of the tree, for generated trees and people', async () => {
    const HEADER = 'code,name,parent_code,type,postcode,open_date,close_date';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), async (parents, homes) => {
        const prefix = `Q${Math.random().toString(36).slice(2, 7).toUpperCase()}`;
        const codes = parents.map((_, i) => `${prefix}${i}`);
        const rows = parents.map((p, i) => `${codes[i]},Gen ${i},${i === 0 ? '' : codes[p % i]},other,,,`);
        await importOrganisationsCsv(database.db, [HEADER, ...rows].join('\n'), ctx);
        const parentOf = new Map(parents.map((p, i) => [codes[i], i === 0 ? null : codes[p % i]]));
        // Each generated person works at one generated organisation, under a surname unique to this run.
        const surname = `Walk${prefix.toLowerCase()}`;
        const homeOf = homes.map((h) => codes[h % codes.length]);
        for (const [i, code] of homeOf.entries()) {
          const org = (await findOrganisationByCode(database.db, code))!;
          await sql`insert into accounts (organisation_id, email, first_name, last_name, display_name)
            values (${org.id}::uuid, ${`p${i}.${prefix}@t.example`}, ${`P${i}`}, ${surname}, ${`P${i}`})`.execute(database.db);
        }
        for (const code of codes) {
          const got = await searchPeople(database.db, operatorActor(), { name: surname, organisation: code, includeChildren: true, pageSize: 100 });
          const naive = homeOf.filter((home) => {
            for (let x: string | null = home; x; x = parentOf.get(x) ?? null) if (x === code) return true;
            return false;
          }).length;
          assert.equal(got.total, naive, `${code}`);
          assert.equal(got.rows.length, naive);
        }
      }),
      { numRuns: 6 },
    );
  });
});

describe('People Finder at scale: close names and bounded counts', () => {
  test('one letter wrong in a short surname, or words run together, still finds the person', async () => {
    const op = operatorActor();
    const bakr = await searchPeople(database.db, op, { name: 'tom bakr' });
    assert.equal(bakr.closeMatches, true);
    assert.equal(bakr.rows[0]?.displayName, 'Baker, Tom (OAKWOOD)');
    await database.db.updateTable('accounts').set({ last_name: "O'Brien" }).where('email', '=', 'li.wei@care.example').execute();
    try {
      assert.equal((await searchPeople(database.db, op, { name: 'li obrien' })).rows[0]?.lastName, "O'Brien");
      // A surname of two words, typed in full with a slip in the second.
      assert.equal((await searchPeople(database.db, op, { name: "li o'brian" })).rows[0]?.lastName, "O'Brien");
    } finally {
      await database.db.updateTable('accounts').set({ last_name: 'Wei' }).where('email', '=', 'li.wei@care.example').execute();
    }
  });

  test('letters that unaccent() spells out without an accent (Ł, ß) are matched as typed or plain', async () => {
    await database.db.updateTable('accounts').set({ first_name: 'Łukasz', last_name: 'Strauß' }).where('email', '=', 'tom.baker@care.example').execute();
    try {
      for (const name of ['Łuk Strauß', 'luk strauss', 'STRAUSS']) {
        assert.equal((await searchPeople(database.db, operatorActor(), { name })).rows[0]?.email, 'tom.baker@care.example', name);
      }
    } finally {
      await database.db.updateTable('accounts').set({ first_name: 'Tom', last_name: 'Baker' }).where('email', '=', 'tom.baker@care.example').execute();
    }
  });

  test('a close spelling must be close in both names: the first name alone is not enough', async () => {
    const r = await searchPeople(database.db, operatorActor(), { name: 'jonathan smeth' });
    assert.deepEqual(names(r), ['Smith, Jonathan (NGH)']);
    assert.deepEqual(names(await searchPeople(database.db, operatorActor(), { name: 'jonathan qwerty' })), []);
    // Nothing close, and a filter that leaves contacts out: no query left to run, and no error.
    assert.deepEqual(names(await searchPeople(database.db, operatorActor(), { name: 'qwerty', jobRole: 'Pharmacist' })), []);
  });

  test('a new surname is found by its close spellings at once', async () => {
    await database.db.updateTable('accounts').set({ last_name: 'Quintero' }).where('email', '=', 'amara.okafor@care.example').execute();
    try {
      const r = await searchPeople(database.db, operatorActor(), { name: 'amara quintaro' });
      assert.equal(r.rows[0]?.email, 'amara.okafor@care.example');
      assert.equal(r.closeMatches, true);
    } finally {
      await database.db.updateTable('accounts').set({ last_name: 'Okafor' }).where('email', '=', 'amara.okafor@care.example').execute();
    }
  });

  test('counts stop at 1,000 ("more than"), and pages past the first keep name order', async () => {
    const org = (await findOrganisationByCode(database.db, 'VLX12'))!;
    await sql`insert into accounts (organisation_id, email, first_name, last_name, display_name)
      select ${org.id}::uuid, 'cap' || g || '@t.example', 'P' || lpad(g::text, 4, '0'), 'Capcount', 'Capcount ' || g
      from generate_series(1, 1005) g`.execute(database.db);
    const op = operatorActor();
    const first = await searchPeople(database.db, op, { name: 'capcount', pageSize: 100 });
    assert.equal(first.total, 1000);
    assert.equal(first.totalIsAtLeast, true);
    assert.equal(first.rows.length, 100);
    const second = await searchPeople(database.db, op, { name: 'capcount', pageSize: 100, page: 2 });
    assert.equal(second.rows[0].firstName, 'P0101');
    // Close spellings are counted the same way.
    const close = await searchPeople(database.db, op, { name: 'capcaunt' });
    assert.equal(close.closeMatches, true);
    assert.equal(close.totalIsAtLeast, true);
    // Below the cap, the count is exact.
    const exact = await searchPeople(database.db, op, { name: 'p0001 capcount' });
    assert.deepEqual([exact.total, exact.totalIsAtLeast], [1, false]);
    await sql`delete from accounts where last_name = 'Capcount'`.execute(database.db);
  });
});

describe("People Finder's list of names", () => {
  const listed = async (name: string) =>
    (await database.db.selectFrom('directory_names').select('part').where('name', '=', name).orderBy('part').execute()).map((r) => r.part);

  test('holds every name a shown person bears: pruning drops only names nobody shown bears, and a restore brings one back', async () => {
    await database.db.updateTable('accounts').set({ last_name: 'Pennington' }).where('email', '=', 'jane.smith@care.example').execute();
    assert.deepEqual(await listed('pennington'), ['l']);
    assert.deepEqual(await listed('smith'), ['l'], 'the old surname stays listed until pruned');
    await database.db.updateTable('accounts').set({ status: 'deleted' }).where('email', '=', 'jane.smith@care.example').execute();
    try {
      await pruneUnusedNames(database.db);
      assert.deepEqual(await listed('pennington'), [], 'borne only by a deleted account');
      assert.deepEqual(await listed('smith'), ['l'], 'Jonathan Smith still bears it');
      assert.deepEqual(await listed('jonathan'), ['f']);
      await database.db.updateTable('accounts').set({ status: 'active' }).where('email', '=', 'jane.smith@care.example').execute();
      assert.deepEqual(await listed('pennington'), ['l']);
      // And the two-word prefix search, which probes only listed names, finds her again.
      assert.equal((await searchPeople(database.db, operatorActor(), { name: 'jan pen' })).rows[0]?.email, 'jane.smith@care.example');
    } finally {
      await database.db.updateTable('accounts').set({ last_name: 'Smith', status: 'active' }).where('email', '=', 'jane.smith@care.example').execute();
    }
  });
});
