import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { ValidationError } from '../shared/errors.ts';
import { type ActionContext, auditAccount } from './audit-account.ts';
import {
  answerCharacters,
  checkCharacters,
  checkSecurityQuestions,
  normaliseAnswer,
  pickCharacterPositions,
  SECURITY_QUESTIONS,
  type SecurityAnswerInput,
} from './policy/security-questions.ts';
import { open, seal, type SecretKeys } from './secret-key.ts';
import './mfa/tables.ts';

/**
 * Security questions for self-service recovery. Only a few characters of an
 * answer are ever asked for, so the plain answer must be recoverable: it is
 * stored encrypted (AES-256-GCM, key from configuration), bound to the account
 * and question slot, so a database reader cannot read it.
 */
export const CHARACTERS_PER_ANSWER = 2;

const context = (accountId: string, position: number) => `security-answer:${accountId}:${position}`;

export async function setSecurityAnswers(
  db: Kysely<DB>,
  keys: SecretKeys,
  accountId: string,
  entries: SecurityAnswerInput[],
  ctx: ActionContext,
): Promise<void> {
  const check = checkSecurityQuestions(entries);
  if (!check.ok) {
    throw new ValidationError(
      check.problems.map((p) => ({
        field: p.index === undefined ? 'question1' : p.rule.includes('question') ? `question${p.index + 1}` : `answer${p.index + 1}`,
        message: p.message,
      })),
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('security_answers').where('account_id', '=', accountId).execute();
    await trx
      .insertInto('security_answers')
      .values(entries.map((e, i) => ({ account_id: accountId, position: i + 1, question_id: e.questionId, answer_enc: seal(keys, normaliseAnswer(e.answer), context(accountId, i + 1)) })))
      .execute();
    await auditAccount(trx, accountId, 'account.security_questions_set', ctx);
  });
}

export async function hasSecurityAnswers(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const row = await db.selectFrom('security_answers').select((eb) => eb.fn.countAll<string>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
  return Number(row.n) >= 3;
}

/** Which characters to ask for: some positions of each answer, chosen at random. */
export type CharacterQuestion = { position: number; questionId: string; question: string; characters: number[] };

export async function pickSecurityCharacters(db: Kysely<DB>, keys: SecretKeys, accountId: string): Promise<CharacterQuestion[]> {
  const rows = await db.selectFrom('security_answers').selectAll().where('account_id', '=', accountId).orderBy('position').execute();
  return rows.map((r) => {
    const answer = open(keys, r.answer_enc, context(accountId, r.position));
    return {
      position: r.position,
      questionId: r.question_id,
      question: SECURITY_QUESTIONS.find((q) => q.id === r.question_id)?.text ?? r.question_id,
      characters: pickCharacterPositions(answerCharacters(answer).length, CHARACTERS_PER_ANSWER),
    };
  });
}

/** Every asked character must be right; the answer is pass or fail only. */
export async function checkSecurityCharacters(
  db: Kysely<DB>,
  keys: SecretKeys,
  accountId: string,
  asked: CharacterQuestion[],
  given: string[][],
): Promise<boolean> {
  if (asked.length === 0 || given.length !== asked.length) return false;
  const rows = await db.selectFrom('security_answers').selectAll().where('account_id', '=', accountId).execute();
  let ok = true;
  asked.forEach((q, i) => {
    const row = rows.find((r) => r.position === q.position && r.question_id === q.questionId);
    // Every answer is checked, even after a wrong one, so the time taken says nothing.
    const right = row ? checkCharacters(open(keys, row.answer_enc, context(accountId, row.position)), q.characters, given[i] ?? []) : false;
    ok = ok && right;
  });
  return ok;
}
