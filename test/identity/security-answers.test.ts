import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { operatorActor } from '../../src/identity/actor.ts';
import { deriveKeys } from '../../src/identity/secret-key.ts';
import { checkSecurityCharacters, hasSecurityAnswers, pickSecurityCharacters, setSecurityAnswers } from '../../src/identity/security-answers.ts';
import { answerCharacters } from '../../src/identity/policy/security-questions.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const keys = deriveKeys(Buffer.alloc(32, 4));
let database: TestDatabase;
let jane: string;
const ctx = { actor: operatorActor(), frontDoor: 'portal' as const };
const ANSWERS = [
  { questionId: 'first-school', answer: 'St Marys' },
  { questionId: 'birth-town', answer: 'Harrogate' },
  { questionId: 'first-pet', answer: 'Biscuit' },
];

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
  jane = (await database.db.selectFrom('accounts').select('id').where('email', '=', 'jane.smith@care.example').executeTakeFirstOrThrow()).id;
});
after(async () => database.close());

test('answers breaking the rules are refused, each on its field', async () => {
  await assert.rejects(
    setSecurityAnswers(database.db, keys, jane, [ANSWERS[0], { questionId: 'first-school', answer: 'aaabbb' }, { questionId: 'first-pet', answer: 'cat' }], ctx),
    (err: { problems: Array<{ field: string; message: string }> }) => {
      const fields = err.problems.map((p) => p.field);
      assert.ok(fields.includes('question2'));
      assert.ok(fields.includes('answer2'));
      assert.ok(fields.includes('answer3'));
      return true;
    },
  );
  assert.equal(await hasSecurityAnswers(database.db, jane), false);
});

test('answers are stored encrypted so a database reader cannot read them', async () => {
  await setSecurityAnswers(database.db, keys, jane, ANSWERS, ctx);
  const rows = await database.db.selectFrom('security_answers').selectAll().where('account_id', '=', jane).execute();
  assert.equal(rows.length, 3);
  for (const r of rows) assert.doesNotMatch(r.answer_enc, /marys|harrogate|biscuit/i);
  // The ciphertext is bound to its account and slot: a copy elsewhere does not open.
  const other = deriveKeys(Buffer.alloc(32, 5));
  await assert.rejects(pickSecurityCharacters(database.db, other, jane));
});

test('the right characters pass (any case), wrong characters fail', async () => {
  const asked = await pickSecurityCharacters(database.db, keys, jane);
  assert.equal(asked.length, 3);
  const right = asked.map((q) => {
    const chars = answerCharacters(ANSWERS[q.position - 1].answer);
    return q.characters.map((p) => chars[p - 1].toUpperCase());
  });
  assert.equal(await checkSecurityCharacters(database.db, keys, jane, asked, right), true);
  const wrong = right.map((cs, i) => (i === 2 ? cs.map(() => '#') : cs));
  assert.equal(await checkSecurityCharacters(database.db, keys, jane, asked, wrong), false);
  assert.equal(await checkSecurityCharacters(database.db, keys, jane, asked, []), false);
});
