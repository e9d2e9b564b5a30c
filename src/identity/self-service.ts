import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import type { Notifier } from '../notify/notifier.ts';
import { checkSmsCode, sendSmsCode } from './mfa/sms-codes.ts';
import { withMfaColumns } from './mfa/tables.ts';
import { checkTotpCode } from './mfa/totp.ts';
import { pickCharacterPositions, SECURITY_QUESTIONS } from './policy/security-questions.ts';
import { takeAttempt } from './rate-limit.ts';
import type { SecretKeys } from './secret-key.ts';
import { CHARACTERS_PER_ANSWER, type CharacterQuestion, checkSecurityCharacters, hasSecurityAnswers, pickSecurityCharacters } from './security-answers.ts';

/**
 * Self-service unlock and password reset (SPEC 4): the person proves who they
 * are with an authenticator-app code, a code sent to their confirmed UK mobile,
 * or some characters of their security answers; then they unlock the account or
 * set a new password. The answers never say whether an account exists: every
 * address gets the same pages, an unknown one simply never succeeds. Attempts
 * are limited per account and per source address in the database, and every
 * attempt is audited.
 */
export const RECOVERY_MINUTES = 15;
export const PROOF_TRIES = 5;
export const LIMITS = {
  startPerAddress: { max: 20, windowMinutes: 15 },
  startPerAccount: { max: 10, windowMinutes: 60 },
  proofPerAddress: { max: 20, windowMinutes: 15 },
  proofPerAccount: { max: 10, windowMinutes: 60 },
  smsPerAccount: { max: 3, windowMinutes: 15 },
};

export type RecoveryMethod = 'totp' | 'sms' | 'questions';
export const RECOVERY_METHODS: readonly RecoveryMethod[] = ['totp', 'sms', 'questions'];

type Detail = { email: string; failures: number; asked?: CharacterQuestion[] };
export type RecoveryFlow = { idHash: string; accountId: string | null; method: RecoveryMethod | null; proven: boolean; detail: Detail };

const CAN_RECOVER = new Set(['active', 'leaver', 'inactive', 'locked']);
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const accountBucket = (email: string) => `recover:account:${email}`;
const addressBucket = (ip: string | null | undefined) => `recover:address:${ip ?? 'unknown'}`;

export class RecoveryLimitedError extends Error {
  constructor(readonly retryAt: Date) {
    super(
      `Too many attempts. For your safety, try again after ${retryAt.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' })}, or call your local IT helpdesk.`,
    );
  }
}

async function audit(db: Kysely<DB>, flow: { accountId: string | null; detail: Detail }, action: string, outcome: 'success' | 'failure' | 'refused', ip: string | null | undefined, detail: Record<string, unknown> = {}) {
  const acc = flow.accountId ? await db.selectFrom('accounts').select(['organisation_id']).where('id', '=', flow.accountId).executeTakeFirst() : undefined;
  await appendAudit(db, {
    actor: { id: flow.accountId, label: flow.detail.email.slice(0, 254) },
    action,
    outcome,
    target: flow.accountId ? { type: 'account', id: flow.accountId } : null,
    organisationId: acc?.organisation_id ?? null,
    frontDoor: 'portal',
    ip,
    detail,
  });
}

export async function startRecovery(db: Kysely<DB>, email: string, ip: string | null | undefined, now = new Date()): Promise<string> {
  const address = email.trim().toLowerCase().slice(0, 254);
  const account = await db.selectFrom('accounts').select(['id', 'status']).where('email', '=', address).executeTakeFirst();
  const flow = { accountId: account && CAN_RECOVER.has(account.status) ? account.id : null, detail: { email: address, failures: 0 } };
  for (const [bucket, limit] of [[addressBucket(ip), LIMITS.startPerAddress], [accountBucket(address), LIMITS.startPerAccount]] as const) {
    const taken = await takeAttempt(db, bucket, limit, now);
    if (!taken.allowed) {
      await audit(db, flow, 'self_service.start', 'refused', ip, { reason: 'rate_limited' });
      throw new RecoveryLimitedError(taken.retryAt);
    }
  }
  const token = randomBytes(32).toString('base64url');
  await db.deleteFrom('self_service_flows').where('expires_at', '<', now).execute();
  await db
    .insertInto('self_service_flows')
    .values({ id_hash: hashToken(token), account_id: flow.accountId, detail: JSON.stringify(flow.detail), expires_at: new Date(now.getTime() + RECOVERY_MINUTES * 60_000) })
    .execute();
  await audit(db, flow, 'self_service.start', 'success', ip, account && !flow.accountId ? { reason: 'account_not_recoverable' } : account ? {} : { reason: 'unknown_account' });
  return token;
}

export async function loadRecovery(db: Kysely<DB>, token: string | undefined, now = new Date()): Promise<RecoveryFlow | null> {
  if (!token || token.length > 100) return null;
  const row = await db.selectFrom('self_service_flows').selectAll().where('id_hash', '=', hashToken(token)).executeTakeFirst();
  if (!row || row.expires_at < now) return null;
  return { idHash: row.id_hash, accountId: row.account_id, method: row.method as RecoveryMethod | null, proven: Boolean(row.proven_at), detail: row.detail as unknown as Detail };
}

async function save(db: Kysely<DB>, flow: RecoveryFlow, extra: { proven_at?: Date } = {}) {
  await db.updateTable('self_service_flows').set({ method: flow.method, detail: JSON.stringify(flow.detail), ...extra }).where('id_hash', '=', flow.idHash).execute();
}

/** Questions that look like a real person's, for an address with no answers: the page must not tell the two apart. */
function decoyQuestions(): CharacterQuestion[] {
  const ids = SECURITY_QUESTIONS.map((q) => q.id);
  const chosen: CharacterQuestion[] = [];
  for (let position = 1; position <= 3; position++) {
    const [id] = ids.splice(randomInt(ids.length), 1);
    chosen.push({ position, questionId: id, question: SECURITY_QUESTIONS.find((q) => q.id === id)!.text, characters: pickCharacterPositions(randomInt(5, 13), CHARACTERS_PER_ANSWER) });
  }
  return chosen;
}

/** The person picks how to prove who they are. For SMS a code is sent, if there is a confirmed mobile to send it to. */
export async function chooseRecoveryMethod(
  db: Kysely<DB>,
  keys: SecretKeys,
  notifier: Notifier,
  flow: RecoveryFlow,
  method: RecoveryMethod,
  ip: string | null | undefined,
  now = new Date(),
): Promise<RecoveryFlow> {
  flow.method = method;
  delete flow.detail.asked;
  if (method === 'questions') {
    flow.detail.asked = flow.accountId && (await hasSecurityAnswers(db, flow.accountId)) ? await pickSecurityCharacters(db, keys, flow.accountId) : decoyQuestions();
  }
  if (method === 'sms' && flow.accountId) {
    const acc = await withMfaColumns(db).selectFrom('accounts').select(['mobile', 'mobile_verified']).where('id', '=', flow.accountId).executeTakeFirstOrThrow();
    if (acc.mobile && acc.mobile === acc.mobile_verified) {
      const taken = await takeAttempt(db, `recover:sms:${flow.accountId}`, LIMITS.smsPerAccount, now);
      if (!taken.allowed) throw new RecoveryLimitedError(taken.retryAt);
      await sendSmsCode(db, notifier, { accountId: flow.accountId, purpose: 'self_service', to: acc.mobile }, now);
    }
  }
  await save(db, flow);
  await audit(db, flow, 'self_service.method', 'success', ip, { method });
  return flow;
}

export type ProofInput = { code?: string; characters?: string[][] };
export type ProofResult = { ok: true } | { ok: false; ended: boolean };

/**
 * Checks the proof. Counts the attempt first (per account and per address),
 * so guesses spread over processes or addresses still meet a limit; five wrong
 * proofs end the recovery.
 */
export async function proveRecovery(
  db: Kysely<DB>,
  keys: SecretKeys,
  flow: RecoveryFlow,
  input: ProofInput,
  ip: string | null | undefined,
  now = new Date(),
): Promise<ProofResult> {
  for (const [bucket, limit] of [[addressBucket(ip), LIMITS.proofPerAddress], [accountBucket(`proof:${flow.detail.email}`), LIMITS.proofPerAccount]] as const) {
    const taken = await takeAttempt(db, bucket, limit, now);
    if (!taken.allowed) {
      await audit(db, flow, 'self_service.proof', 'refused', ip, { method: flow.method, reason: 'rate_limited' });
      throw new RecoveryLimitedError(taken.retryAt);
    }
  }
  let ok = false;
  let reason = 'unknown_account';
  if (flow.accountId && flow.method) {
    if (flow.method === 'totp') {
      const check = await checkTotpCode(db, keys, flow.accountId, input.code ?? '', { now });
      ok = check.ok;
      reason = check.ok ? '' : check.reason;
    } else if (flow.method === 'sms') {
      const check = await checkSmsCode(db, flow.accountId, 'self_service', input.code ?? '', now);
      ok = check.ok;
      reason = check.ok ? '' : check.reason;
    } else {
      ok = await checkSecurityCharacters(db, keys, flow.accountId, flow.detail.asked ?? [], input.characters ?? []);
      reason = ok ? '' : 'wrong_characters';
    }
  }
  if (ok) {
    await save(db, flow, { proven_at: now });
    await audit(db, flow, 'self_service.proof', 'success', ip, { method: flow.method });
    return { ok: true };
  }
  flow.detail.failures += 1;
  const ended = flow.detail.failures >= PROOF_TRIES;
  if (ended) await db.deleteFrom('self_service_flows').where('id_hash', '=', flow.idHash).execute();
  else await save(db, flow);
  await audit(db, flow, 'self_service.proof', 'failure', ip, { method: flow.method, reason, failures: flow.detail.failures });
  return { ok: false, ended };
}

export async function endRecovery(db: Kysely<DB>, flow: RecoveryFlow): Promise<void> {
  await db.deleteFrom('self_service_flows').where('id_hash', '=', flow.idHash).execute();
}
