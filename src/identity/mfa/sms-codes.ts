import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Notifier } from '../../notify/notifier.ts';
import './tables.ts';

/**
 * Six-digit codes sent by SMS, for signing in, confirming a mobile and
 * self-service recovery. A code lasts 10 minutes and allows 5 tries; a new code
 * replaces the old one. The tries are counted in the database before the code
 * is compared, so guesses spread over several processes still add up.
 */
export const SMS_CODE_MINUTES = 10;
export const SMS_CODE_TRIES = 5;

export type SmsPurpose = 'sign_in' | 'confirm_mobile' | 'self_service';

const PURPOSE_TEXT: Record<SmsPurpose, string> = {
  sign_in: 'to sign in to Caremail',
  confirm_mobile: 'to confirm this mobile number for Caremail',
  self_service: 'to unlock your Caremail account or reset its password',
};

const hashCode = (id: string, code: string) => createHash('sha256').update(`${id}:${code}`).digest('hex');

export async function sendSmsCode(
  db: Kysely<DB>,
  notifier: Notifier,
  args: { accountId: string; purpose: SmsPurpose; to: string },
  now = new Date(),
): Promise<void> {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('one_time_codes').where('account_id', '=', args.accountId).where('purpose', '=', args.purpose).execute();
    const row = await trx
      .insertInto('one_time_codes')
      .values({ account_id: args.accountId, purpose: args.purpose, code_hash: 'pending', sent_to: args.to, expires_at: new Date(now.getTime() + SMS_CODE_MINUTES * 60_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('one_time_codes').set({ code_hash: hashCode(row.id, code) }).where('id', '=', row.id).execute();
  });
  await notifier.sms({
    to: args.to,
    text: `${code} is your code ${PURPOSE_TEXT[args.purpose]}. It lasts ${SMS_CODE_MINUTES} minutes. Caremail staff will never ask you for it.`,
    purpose: `sms_code_${args.purpose}`,
    accountId: args.accountId,
  });
}

export type SmsCheck = { ok: true; sentTo: string } | { ok: false; reason: 'none' | 'wrong' | 'expired' | 'too_many' };

export async function checkSmsCode(db: Kysely<DB>, accountId: string, purpose: SmsPurpose, code: string, now = new Date()): Promise<SmsCheck> {
  const row = await db
    .updateTable('one_time_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('account_id', '=', accountId)
    .where('purpose', '=', purpose)
    .returning(['id', 'code_hash', 'attempts', 'expires_at', 'sent_to'])
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'none' };
  if (row.expires_at.getTime() < now.getTime()) {
    await db.deleteFrom('one_time_codes').where('id', '=', row.id).execute();
    return { ok: false, reason: 'expired' };
  }
  if (row.attempts > SMS_CODE_TRIES) {
    await db.deleteFrom('one_time_codes').where('id', '=', row.id).execute();
    return { ok: false, reason: 'too_many' };
  }
  const given = Buffer.from(hashCode(row.id, code.replace(/\s+/g, '')));
  if (!timingSafeEqual(given, Buffer.from(row.code_hash))) {
    if (row.attempts === SMS_CODE_TRIES) await db.deleteFrom('one_time_codes').where('id', '=', row.id).execute();
    return { ok: false, reason: row.attempts === SMS_CODE_TRIES ? 'too_many' : 'wrong' };
  }
  const used = await db.deleteFrom('one_time_codes').where('id', '=', row.id).executeTakeFirst();
  // Deleting claims the code: if another process got there first, this one fails.
  return Number(used.numDeletedRows) === 1 ? { ok: true, sentTo: row.sent_to } : { ok: false, reason: 'none' };
}

export const SMS_CHECK_MESSAGES: Record<Exclude<SmsCheck, { ok: true }>['reason'], string> = {
  none: 'There is no code waiting. Ask for a new code.',
  wrong: 'The code is not right. Check the text message and try again.',
  expired: `The code has expired: codes last ${SMS_CODE_MINUTES} minutes. Ask for a new code.`,
  too_many: 'The code was entered wrongly too many times. Ask for a new code.',
};
