import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { operatorActor } from '../../src/identity/actor.ts';
import { confirmTotpEnrolment } from '../../src/identity/mfa/factors.ts';
import { startTotpEnrolment } from '../../src/identity/mfa/totp.ts';
import { answerCharacters } from '../../src/identity/policy/security-questions.ts';
import { deriveKeys } from '../../src/identity/secret-key.ts';
import { setSecurityAnswers } from '../../src/identity/security-answers.ts';
import { chooseRecoveryMethod, LIMITS, loadRecovery, proveRecovery, RecoveryLimitedError, startRecovery } from '../../src/identity/self-service.ts';
import { outboxNotifier } from '../../src/notify/notifier.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 7));
let database: TestDatabase;
const ctx = { actor: operatorActor(), frontDoor: 'portal' as const };
const ANSWERS = ['Oakfield', 'Pepper', 'Ford Fiesta'];
let jane: string;
let totpSecret: string;

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
  await setSecurityAnswers(database.db, keys, jane, [
    { questionId: 'first-school', answer: ANSWERS[0] }, { questionId: 'first-pet', answer: ANSWERS[1] }, { questionId: 'first-car', answer: ANSWERS[2] },
  ], ctx);
  totpSecret = (await startTotpEnrolment(database.db, keys, jane, 'x')).secret;
  await confirmTotpEnrolment(database.db, keys, jane, await generate({ secret: totpSecret }), ctx);
});
after(async () => database.close());

const notifier = () => outboxNotifier(database.db);
let ipCounter = 0;
const freshIp = () => `192.0.2.${++ipCounter}`;

async function flowFor(email: string, ip = freshIp()) {
  return (await loadRecovery(database.db, await startRecovery(database.db, email, ip)))!;
}

describe('self-service recovery', () => {
  test('the right characters of the security answers prove it is you', async () => {
    const ip = freshIp();
    const flow = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('jane.smith@care.example', ip), 'questions', ip);
    const characters = flow.detail.asked!.map((q) => q.characters.map((p) => answerCharacters(ANSWERS[q.position - 1])[p - 1]));
    assert.deepEqual(await proveRecovery(database.db, keys, flow, { characters }, ip), { ok: true });
    assert.equal((await database.db.selectFrom('self_service_flows').select('proven_at').where('id_hash', '=', flow.idHash).executeTakeFirstOrThrow()).proven_at instanceof Date, true);
  });

  test('wrong characters fail, and five failures end the recovery', async () => {
    const ip = freshIp();
    const flow = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('jane.smith@care.example', ip), 'questions', ip);
    const wrong = flow.detail.asked!.map((q) => q.characters.map(() => '#'));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await proveRecovery(database.db, keys, flow, { characters: wrong }, ip));
    assert.deepEqual(results.map((r) => r.ok), [false, false, false, false, false]);
    assert.deepEqual(results.at(-1), { ok: false, ended: true });
    assert.equal(await database.db.selectFrom('self_service_flows').select('id_hash').where('id_hash', '=', flow.idHash).executeTakeFirst(), undefined);
  });

  test('an authenticator code proves it is you; the same code cannot be used again', async () => {
    const ip = freshIp();
    const code = await generate({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const first = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('jane.smith@care.example', ip), 'totp', ip);
    assert.deepEqual(await proveRecovery(database.db, keys, first, { code }, ip), { ok: true });
    const second = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('jane.smith@care.example', ip), 'totp', ip);
    assert.deepEqual(await proveRecovery(database.db, keys, second, { code }, ip), { ok: false, ended: false });
  });

  test('an unknown address gets the same pages (decoy questions) and never succeeds', async () => {
    const ip = freshIp();
    const flow = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('nobody.here@care.example', ip), 'questions', ip);
    assert.equal(flow.accountId, null);
    assert.equal(flow.detail.asked!.length, 3);
    assert.ok(flow.detail.asked!.every((q) => q.characters.length === 2 && q.question.endsWith('?')));
    const guess = flow.detail.asked!.map((q) => q.characters.map(() => 'a'));
    assert.deepEqual(await proveRecovery(database.db, keys, flow, { characters: guess }, ip), { ok: false, ended: false });
    const sms = await chooseRecoveryMethod(database.db, keys, notifier(), await flowFor('nobody.here@care.example', ip), 'sms', ip);
    assert.deepEqual(await proveRecovery(database.db, keys, sms, { code: '123456' }, ip), { ok: false, ended: false });
  });

  test('too many attempts from one address are refused, in the database', async () => {
    const ip = '198.51.100.7';
    for (let i = 0; i < LIMITS.startPerAddress.max; i++) await startRecovery(database.db, `person${i}@care.example`, ip);
    await assert.rejects(startRecovery(database.db, 'jane.smith@care.example', ip), RecoveryLimitedError);
    const refusal = await database.db.selectFrom('audit_events').select(['outcome', 'ip']).where('action', '=', 'self_service.start').where('outcome', '=', 'refused').executeTakeFirstOrThrow();
    assert.equal(refusal.ip, ip);
  });

  test('too many attempts for one account are refused, whatever the address', async () => {
    const email = 'amara.okafor@care.example';
    for (let i = 0; i < LIMITS.startPerAccount.max; i++) await startRecovery(database.db, email, freshIp());
    await assert.rejects(startRecovery(database.db, email, freshIp()), /Too many attempts/);
  });

  test('every attempt is audited', async () => {
    const actions = await database.db.selectFrom('audit_events').select(['action', 'outcome']).where('action', 'like', 'self_service.%').execute();
    assert.ok(actions.some((a) => a.action === 'self_service.proof' && a.outcome === 'success'));
    assert.ok(actions.filter((a) => a.action === 'self_service.proof' && a.outcome === 'failure').length >= 7);
  });
});
