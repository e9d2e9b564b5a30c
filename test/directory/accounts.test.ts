import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verify } from '@node-rs/argon2';
import { importAccountsCsv } from '../../src/directory/account-import.ts';
import { createAccount, findAccountByEmail, listAccounts } from '../../src/directory/accounts.ts';
import { localPartFor } from '../../src/directory/addresses.ts';
import { operatorActor } from '../../src/identity/actor.ts';
import { grantRole } from '../../src/identity/role-grants.ts';
import { ImportRejectedError, ValidationError } from '../../src/shared/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { DOMAIN, demoWorld } from '../helpers/world.ts';

let database: TestDatabase;
let world: Awaited<ReturnType<typeof demoWorld>>;
const ctx = { actor: operatorActor(), frontDoor: 'cli' as const, domain: DOMAIN };

before(async () => {
  database = await openTestDatabase();
  world = await demoWorld(database.db);
});
after(async () => {
  await database.close();
});

describe('addresses', () => {
  test('are firstname.lastname, lower case, without accents or apostrophes', () => {
    assert.equal(localPartFor('Zoë', "O'Brien"), 'zoe.obrien');
    assert.equal(localPartFor('Mary Anne', 'Smith-Jones'), 'mary-anne.smith-jones');
    assert.equal(localPartFor('  José ', 'Núñez'), 'jose.nunez');
  });

  test('get a number on collision', async () => {
    const a = await createAccount(database.db, { organisationCode: 'RXN01', firstName: 'Chris', lastName: 'Evans' }, ctx);
    const b = await createAccount(database.db, { organisationCode: 'RXN02', firstName: 'Chris', lastName: 'Evans' }, ctx);
    const c = await createAccount(database.db, { organisationCode: 'B82001', firstName: 'Chris', lastName: 'Evans' }, ctx);
    assert.deepEqual([a.email, b.email, c.email], ['chris.evans@care.example', 'chris.evans2@care.example', 'chris.evans3@care.example']);
  });

  test('two accounts made at once never share an address', async () => {
    const made = await Promise.all(
      Array.from({ length: 6 }, () => createAccount(database.db, { organisationCode: 'RXN01', firstName: 'Pat', lastName: 'Lee' }, ctx)),
    );
    assert.equal(new Set(made.map((m) => m.email)).size, 6);
  });
});

describe('creating an account', () => {
  test('gives a one-time temporary password, stored only as an Argon2id hash', async () => {
    const created = await createAccount(database.db, { organisationCode: 'RXN01', firstName: 'Dana', lastName: 'Scully', jobTitle: 'Pathologist', mobile: '07700 900456' }, ctx);
    assert.equal(created.displayName, 'Scully, Dana (NGH)');
    assert.match(created.temporaryPassword, /^[A-Za-z2-9]{16}$/);
    const row = (await findAccountByEmail(database.db, created.email))!;
    // Temporary passwords are random (about 92 bits), so they take the lighter parameters; chosen ones never do.
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=2048,t=1,p=1\$/);
    assert.equal(await verify(row.password_hash!, created.temporaryPassword), true);
    assert.equal(row.password_temporary, true);
    assert.equal(row.onboarding_complete, false);
    assert.equal(row.mobile, '07700900456');
    assert.equal(row.status, 'active');
  });

  test('bad fields are refused with the field and the reason, and nothing is written', async () => {
    await assert.rejects(
      createAccount(database.db, { organisationCode: 'RXN01', firstName: '', lastName: 'x'.repeat(65), mobile: '12345' }, ctx),
      (err: ValidationError) => {
        assert.deepEqual(err.problems.map((p) => p.field).sort(), ['firstName', 'lastName', 'mobile']);
        return true;
      },
    );
  });

  test('a closed organisation cannot have new accounts', async () => {
    await database.db.updateTable('organisations').set({ status: 'closed' }).where('code', '=', 'B82001').execute();
    await assert.rejects(createAccount(database.db, { organisationCode: 'B82001', firstName: 'Late', lastName: 'Joiner' }, ctx), /is closed and cannot have new accounts/);
    await database.db.updateTable('organisations').set({ status: 'open' }).where('code', '=', 'B82001').execute();
  });

  test('an LA cannot create accounts in a sibling organisation', async () => {
    const la = await world.actorFor('sam.taylor@care.example');
    await createAccount(database.db, { organisationCode: 'RXN01', firstName: 'In', lastName: 'Scope' }, { ...ctx, actor: la, frontDoor: 'portal' });
    await assert.rejects(
      createAccount(database.db, { organisationCode: 'B82001', firstName: 'Out', lastName: 'Ofscope' }, { ...ctx, actor: la, frontDoor: 'portal' }),
      /do not have permission/,
    );
    assert.equal(await findAccountByEmail(database.db, 'out.ofscope@care.example'), undefined);
  });

  test('an unknown role is refused', async () => {
    const acc = (await findAccountByEmail(database.db, 'jonathan.smith@care.example'))!;
    await assert.rejects(
      grantRole(database.db, { accountId: acc.id, organisationId: acc.organisation_id, role: 'emperor' }, { actor: operatorActor(), frontDoor: 'cli' }),
      /There is no role called emperor/,
    );
  });
});

describe('account import', () => {
  const HEADER = 'organisation_code,first_name,last_name,job_title,unit,external_sync_id,mobile';

  test('a clean file creates every account', async () => {
    const csv = [HEADER, 'RXN01,Ada,Lovelace,Analyst,Ward 7 (Cardiology),E100,', 'RXN02,Alan,Turing,Scientist,,E101,07700900789'].join('\n');
    const created = await importAccountsCsv(database.db, csv, ctx);
    assert.deepEqual(created.map((c) => [c.line, c.email]), [[2, 'ada.lovelace@care.example'], [3, 'alan.turing@care.example']]);
    const ada = (await findAccountByEmail(database.db, 'ada.lovelace@care.example'))!;
    assert.equal(ada.external_sync_id, 'E100');
    assert.ok(ada.unit_id);
  });

  test('every bad row is reported by line and column, and nothing is created', async () => {
    const before = (await listAccounts(database.db, await world.orgId('RXN'), { includeChildren: true })).total;
    const csv = [
      HEADER,
      'RXN01,Good,Row,,,E200,',
      'RXN01,,Nofirst,,,,',
      'NOSUCH,Wrong,Org,,,,',
      'RXN01,Bad,Mobile,,,,999',
      'RXN01,Dup,Sync,,,E200,',
      'RXN01,Taken,Sync,,,E100,',
      'RXN01,No,Unit,,Ward 99,,',
    ].join('\n');
    await assert.rejects(importAccountsCsv(database.db, csv, ctx), (err: ImportRejectedError) => {
      assert.deepEqual(err.rows.map((r) => [r.line, r.field]), [
        [3, 'first_name'], [4, 'organisation_code'], [5, 'mobile'], [6, 'external_sync_id'], [7, 'external_sync_id'], [8, 'unit'],
      ]);
      return true;
    });
    assert.equal((await listAccounts(database.db, await world.orgId('RXN'), { includeChildren: true })).total, before);
    assert.equal(await findAccountByEmail(database.db, 'good.row@care.example'), undefined);
  });

  test('unknown columns and a missing header are reported', async () => {
    await assert.rejects(importAccountsCsv(database.db, 'organisation_code,first_name,surname\nRXN01,A,B', ctx), (err: ImportRejectedError) => {
      assert.match(err.rows.map((r) => r.message).join(' '), /missing: last_name.*|Unknown columns: surname/);
      return true;
    });
    await assert.rejects(importAccountsCsv(database.db, '', ctx), /problem/);
  });
});
