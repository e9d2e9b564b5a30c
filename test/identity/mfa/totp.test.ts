import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { deriveKeys } from '../../../src/identity/secret-key.ts';
import { checkTotpCode, hasConfirmedTotp, pendingTotpEnrolment, startTotpEnrolment } from '../../../src/identity/mfa/totp.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 1));
let database: TestDatabase;
let accountId: string;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  accountId = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
});
after(async () => database.close());

const at = (d: Date) => Math.floor(d.getTime() / 1000);

describe('TOTP (RFC 6238, 30 s, 6 digits)', () => {
  let secret: string;

  test('enrolment makes a seed and an otpauth URI; the seed is stored encrypted', async () => {
    const enrolment = await startTotpEnrolment(database.db, keys, accountId, 'jane.smith@care.example');
    secret = enrolment.secret;
    assert.match(enrolment.uri, /^otpauth:\/\/totp\/Caremail:jane\.smith%40care\.example\?.*secret=/);
    const row = await database.db.selectFrom('mfa_totp').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow();
    assert.equal(row.confirmed, false);
    assert.ok(!row.secret_enc.includes(secret), 'the seed is not readable in the table');
    assert.equal((await pendingTotpEnrolment(database.db, keys, accountId, 'x'))!.secret, secret);
  });

  test('a wrong code does not confirm it; the right code does', async () => {
    const now = new Date('2026-03-02T10:00:00Z');
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, '000000', { confirming: true, now }), { ok: false, reason: 'wrong' });
    assert.equal(await hasConfirmedTotp(database.db, accountId), false);
    const code = await generate({ secret, epoch: at(now) });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, code, { confirming: true, now }), { ok: true });
    assert.equal(await hasConfirmedTotp(database.db, accountId), true);
  });

  test('a code is not accepted twice, even for the same 30 seconds', async () => {
    const now = new Date('2026-03-02T10:01:00Z');
    const code = await generate({ secret, epoch: at(now) });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, code, { now }), { ok: true });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, code, { now: new Date(now.getTime() + 5000) }), { ok: false, reason: 'reused' });
  });

  test('a code from an earlier step than the last one used is refused as used', async () => {
    const now = new Date('2026-03-02T10:02:00Z');
    const later = await generate({ secret, epoch: at(now) });
    const earlier = await generate({ secret, epoch: at(now) - 30 });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, later, { now }), { ok: true });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, earlier, { now }), { ok: false, reason: 'reused' });
  });

  test('an expired code (two minutes old) is refused', async () => {
    const now = new Date('2026-03-02T10:10:00Z');
    const old = await generate({ secret, epoch: at(now) - 120 });
    assert.deepEqual(await checkTotpCode(database.db, keys, accountId, old, { now }), { ok: false, reason: 'wrong' });
  });

  test('codes that are not 6 digits are wrong, not errors', async () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      assert.deepEqual(await checkTotpCode(database.db, keys, accountId, bad), { ok: false, reason: 'wrong' });
    }
  });

  test('two processes given the same code at once accept it only once', async () => {
    const now = new Date('2026-03-02T10:20:00Z');
    const code = await generate({ secret, epoch: at(now) });
    const results = await Promise.all(Array.from({ length: 5 }, () => checkTotpCode(database.db, keys, accountId, code, { now })));
    assert.equal(results.filter((r) => r.ok).length, 1);
  });

  test('an app already confirmed cannot be replaced without removing it first', async () => {
    await assert.rejects(startTotpEnrolment(database.db, keys, accountId, 'x'), /Remove it before adding another/);
  });
});
