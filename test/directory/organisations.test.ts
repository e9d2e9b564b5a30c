import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { importOrganisationsCsv } from '../../src/directory/organisation-import.ts';
import { createOrganisation, findOrganisationByCode, listSubtree, subtreeIds } from '../../src/directory/organisations.ts';
import { operatorActor } from '../../src/identity/actor.ts';
import { ImportRejectedError, ValidationError } from '../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ctx = { actor: operatorActor(), frontDoor: 'cli' as const };
let database: TestDatabase;
before(async () => {
  database = await openTestDatabase();
});
after(async () => {
  await database.close();
});

const HEADER = 'code,name,parent_code,type,postcode,open_date,close_date';

describe('organisations', () => {
  test('an organisation is created under its parent, and the tree answers subtree questions', async () => {
    await createOrganisation(database.db, { code: 'T1', name: 'Tree Root', type: 'national' }, ctx);
    await createOrganisation(database.db, { code: 't2', name: 'Tree Trust', type: 'nhs_trust', parentCode: 'T1' }, ctx);
    await createOrganisation(database.db, { code: 'T3', name: 'Tree Site', type: 'trust_site', parentCode: 'T2', siteType: 'NHS trust site' }, ctx);
    const root = (await findOrganisationByCode(database.db, 'T1'))!;
    const sub = await listSubtree(database.db, root.id);
    assert.deepEqual(sub.map((o) => [o.code, o.depth]), [['T1', 0], ['T2', 1], ['T3', 2]]);
    assert.equal((await findOrganisationByCode(database.db, 'T2'))!.short_name, 'TT');
  });

  test('a duplicate code is refused', async () => {
    await assert.rejects(createOrganisation(database.db, { code: 'T1', name: 'Again', type: 'other' }, ctx), (err: ValidationError) => {
      assert.deepEqual(err.problems, [{ field: 'code', message: 'An organisation with code T1 already exists.' }]);
      return true;
    });
  });

  test('an unknown parent is refused', async () => {
    await assert.rejects(createOrganisation(database.db, { code: 'T9', name: 'Orphan', type: 'other', parentCode: 'NOPE' }, ctx), /There is no organisation with code NOPE/);
  });

  test('an over-long field and an unknown type are refused with the field and the reason', async () => {
    await assert.rejects(createOrganisation(database.db, { code: 'T8', name: 'x'.repeat(201), type: 'spaceship' }, ctx), (err: ValidationError) => {
      const fields = err.problems.map((p) => p.field).sort();
      assert.deepEqual(fields, ['name', 'type']);
      assert.match(err.problems.find((p) => p.field === 'name')!.message, /200 characters or fewer/);
      return true;
    });
    assert.equal(await findOrganisationByCode(database.db, 'T8'), undefined);
  });
});

describe('organisation import', () => {
  test('a clean file is imported, parents after children in the file included', async () => {
    const csv = [HEADER, 'IM3,Import Site,IM2,trust_site,LS1 1AA,2020-01-01,', 'IM1,Import Region,,region,,,', 'IM2,Import Trust,IM1,nhs_trust,,,'].join('\n');
    const r = await importOrganisationsCsv(database.db, csv, ctx);
    assert.deepEqual(r, { created: 3, updated: 0 });
    const site = (await findOrganisationByCode(database.db, 'IM3'))!;
    assert.equal(site.parent_id, (await findOrganisationByCode(database.db, 'IM2'))!.id);
  });

  test('every bad row is reported by line and reason, and nothing is imported', async () => {
    const csv = [
      HEADER,
      'OK1,Fine Org,IM1,other,,,',
      'BAD!,Bad Code,IM1,other,,,',
      ',No Code,IM1,other,,,',
      'OK2,Unknown Parent,ZZZ,other,,,',
      'OK3,Bad Type,IM1,castle,,,',
      'OK1,Duplicate,IM1,other,,,',
      'OK4,Bad Date,IM1,other,,31/01/2020,',
    ].join('\n');
    await assert.rejects(importOrganisationsCsv(database.db, csv, ctx), (err: ImportRejectedError) => {
      const lines = err.rows.map((r) => r.line);
      assert.deepEqual([...new Set(lines)], [3, 4, 5, 6, 7, 8]);
      assert.ok(err.rows.some((r) => r.line === 5 && /There is no organisation with code ZZZ/.test(r.message)));
      assert.ok(err.rows.some((r) => r.line === 7 && /already on line 2/.test(r.message)));
      return true;
    });
    assert.equal(await findOrganisationByCode(database.db, 'OK1'), undefined);
  });

  test('a cycle in the tree is refused', async () => {
    const csv = [HEADER, 'CY1,Cycle One,CY2,other,,,', 'CY2,Cycle Two,CY1,other,,,'].join('\n');
    await assert.rejects(importOrganisationsCsv(database.db, csv, ctx), (err: ImportRejectedError) => {
      assert.ok(err.rows.every((r) => /cycle/.test(r.message)));
      return true;
    });
    // Moving an existing organisation under its own descendant is a cycle too.
    const move = [HEADER, 'IM1,Import Region,IM3,region,,,'].join('\n');
    await assert.rejects(importOrganisationsCsv(database.db, move, ctx), /problem/);
  });

  test('a known code updates the organisation, and a move keeps the tree right', async () => {
    await importOrganisationsCsv(database.db, [HEADER, 'MV1,Move Target,,region,,,'].join('\n'), ctx);
    const r = await importOrganisationsCsv(database.db, [HEADER, 'IM2,Import Trust Renamed,MV1,nhs_trust,,,'].join('\n'), ctx);
    assert.deepEqual(r, { created: 0, updated: 1 });
    const target = (await findOrganisationByCode(database.db, 'MV1'))!;
    const ids = await subtreeIds(database.db, target.id);
    assert.equal(ids.length, 3); // MV1, IM2 and IM2's site IM3
    const old = (await findOrganisationByCode(database.db, 'IM1'))!;
    assert.deepEqual(await subtreeIds(database.db, old.id), [old.id]);
  });

  test('a missing header column or broken CSV is reported on line 1', async () => {
    await assert.rejects(importOrganisationsCsv(database.db, 'code,name\nA,B', ctx), (err: ImportRejectedError) => {
      assert.match(err.rows[0].message, /missing: parent_code, type/);
      return true;
    });
    await assert.rejects(importOrganisationsCsv(database.db, `${HEADER}\n"unterminated,x`, ctx), /not valid CSV|problem/);
  });

  test('subtree answers agree with a walk of parent links, for generated trees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 1, maxLength: 25 }), async (parents) => {
        const prefix = `P${Math.random().toString(36).slice(2, 7).toUpperCase()}`;
        // Node i's parent is one of nodes 0..i-1 (node 0 is a root), so every list is a tree.
        const codes = parents.map((_, i) => `${prefix}${i}`);
        const rows = parents.map((p, i) => `${codes[i]},Gen ${i},${i === 0 ? '' : codes[p % i]},other,,,`);
        await importOrganisationsCsv(database.db, [HEADER, ...rows].join('\n'), ctx);
        const parentOf = new Map(parents.map((p, i) => [codes[i], i === 0 ? null : codes[p % i]]));
        for (const code of codes) {
          const org = (await findOrganisationByCode(database.db, code))!;
          const fromDb = (await listSubtree(database.db, org.id)).map((o) => o.code).sort();
          const naive = codes.filter((c) => {
            for (let x: string | null = c; x; x = parentOf.get(x) ?? null) if (x === code) return true;
            return false;
          }).sort();
          assert.deepEqual(fromDb, naive);
        }
      }),
      { numRuns: 8 },
    );
  });
});
