import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { outboxNotifier, readOutbox } from '../../../src/notify/notifier.ts';
import { checkSmsCode, sendSmsCode } from '../../../src/identity/mfa/sms-codes.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { demoWorld } from '../../helpers/world.ts';

let database: TestDatabase;
let accountId: string;
const MOBILE = '07700900123';

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  accountId = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jonathan.smith@care.example').executeTakeFirstOrThrow()).id;
});
after(async () => database.close());

async function send(now = new Date()) {
  await sendSmsCode(database.db, outboxNotifier(database.db), { accountId, purpose: 'sign_in', to: MOBILE }, now);
  const [latest] = await readOutbox(database.db, { recipient: MOBILE, limit: 1 });
  return latest.body.match(/^(\d{6}) is your code/)![1];
}

describe('SMS codes: 6 digits, 10 minutes, 5 tries', () => {
  test('the code goes to the mobile through the Notifier and works once', async () => {
    const code = await send();
    assert.deepEqual(await checkSmsCode(database.db, accountId, 'sign_in', code), { ok: true, sentTo: MOBILE });
    assert.deepEqual(await checkSmsCode(database.db, accountId, 'sign_in', code), { ok: false, reason: 'none' });
  });

  test('a wrong code is refused and the right one still works', async () => {
    const code = await send();
    const wrong = code === '000000' ? '111111' : '000000';
    assert.deepEqual(await checkSmsCode(database.db, accountId, 'sign_in', wrong), { ok: false, reason: 'wrong' });
    assert.equal((await checkSmsCode(database.db, accountId, 'sign_in', code)).ok, true);
  });

  test('an expired code is refused after 10 minutes', async () => {
    const sent = new Date();
    const code = await send(sent);
    assert.deepEqual(await checkSmsCode(database.db, accountId, 'sign_in', code, new Date(sent.getTime() + 10 * 60_000 + 1000)), { ok: false, reason: 'expired' });
  });

  test('after 5 wrong tries even the right code is refused', async () => {
    const code = await send();
    const wrong = code === '000000' ? '111111' : '000000';
    const reasons = [];
    for (let i = 0; i < 5; i++) reasons.push((await checkSmsCode(database.db, accountId, 'sign_in', wrong)) as { reason: string });
    assert.deepEqual(reasons.map((r) => r.reason), ['wrong', 'wrong', 'wrong', 'wrong', 'too_many']);
    assert.equal((await checkSmsCode(database.db, accountId, 'sign_in', code)).ok, false);
  });

  test('a new code replaces the old one, and codes are per purpose', async () => {
    const first = await send();
    const second = await send();
    if (first !== second) assert.equal((await checkSmsCode(database.db, accountId, 'sign_in', first)).ok, false);
    assert.equal((await checkSmsCode(database.db, accountId, 'self_service', second)).ok, false);
    assert.equal((await checkSmsCode(database.db, accountId, 'sign_in', second)).ok, true);
  });
});
