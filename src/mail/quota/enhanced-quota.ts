import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ApprovalKind } from '../../approvals/kind.ts';
import { type ApprovalContext, type ApprovalRequest, openRequest, pendingFor, withdrawPending } from '../../approvals/requests.ts';
import { appendAudit } from '../../audit/trail.ts';
import { actorForAudit } from '../../identity/actor.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import { ENHANCED_QUOTA_BYTES, type MailboxUsage, mailboxUsage, setQuota, STANDARD_QUOTA_BYTES } from '../store/usage.ts';

/**
 * Enhanced mailbox quota (SPEC 6): an LA asks for 50 GB instead of the standard
 * 4 GB; it takes effect only when an Authorisations holder approves (SPEC 1).
 * Going back to the standard size is the LA's alone: it gives nothing away.
 */
export const ENHANCED_QUOTA_KIND = 'mail_quota.enhanced';

const gb = (bytes: number) => `${Math.round(bytes / 1024 ** 3)} GB`;

type Target = { id: string; email: string; organisation_id: string };

async function targetAccount(db: Kysely<DB>, accountId: string): Promise<Target> {
  const a = await db.selectFrom('accounts').select(['id', 'email', 'organisation_id']).where('id', '=', accountId).executeTakeFirst();
  if (!a) throw new NotFoundError('That account does not exist.');
  return a;
}

export type QuotaState = MailboxUsage & { level: 'standard' | 'enhanced' | 'other'; pending: ApprovalRequest | null };

export async function quotaState(db: Kysely<DB>, accountId: string): Promise<QuotaState> {
  const usage = await mailboxUsage(db, accountId);
  const level = usage.quotaBytes === STANDARD_QUOTA_BYTES ? 'standard' : usage.quotaBytes === ENHANCED_QUOTA_BYTES ? 'enhanced' : 'other';
  return { ...usage, level, pending: (await pendingFor(db, ENHANCED_QUOTA_KIND, accountId)) ?? null };
}

/** An LA asks for the enhanced quota; the account keeps its quota until the request is approved. */
export async function requestEnhancedQuota(db: Kysely<DB>, accountId: string, reason: string, ctx: ApprovalContext): Promise<ApprovalRequest> {
  const why = reason.trim().slice(0, 1000);
  return db.transaction().execute(async (trx) => {
    const account = await targetAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'mail.quota', { organisationId: account.organisation_id });
    const { quotaBytes } = await mailboxUsage(trx, accountId);
    if (quotaBytes >= ENHANCED_QUOTA_BYTES) throw new ConflictError(`${account.email} already has the enhanced quota of ${gb(quotaBytes)}.`);
    return openRequest(trx, {
      kind: ENHANCED_QUOTA_KIND, organisationId: account.organisation_id, targetAccountId: accountId,
      detail: { fromBytes: quotaBytes, toBytes: ENHANCED_QUOTA_BYTES }, reason: why, targetLabel: account.email,
    }, ctx);
  });
}

/** Back to the standard quota, at once (no approval: it raises nothing); any pending raise is withdrawn. */
export async function setStandardQuota(db: Kysely<DB>, accountId: string, ctx: ApprovalContext): Promise<{ changed: boolean; withdrawn: boolean }> {
  return db.transaction().execute(async (trx) => {
    const account = await targetAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'mail.quota', { organisationId: account.organisation_id });
    const withdrawn = await withdrawPending(trx, ENHANCED_QUOTA_KIND, accountId, ctx);
    const { quotaBytes } = await mailboxUsage(trx, accountId);
    if (quotaBytes === STANDARD_QUOTA_BYTES) return { changed: false, withdrawn };
    await setQuota(trx, accountId, STANDARD_QUOTA_BYTES);
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'mail.quota_changed', target: { type: 'account', id: accountId },
      organisationId: account.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip,
      detail: { email: account.email, fromBytes: quotaBytes, toBytes: STANDARD_QUOTA_BYTES },
    });
    return { changed: true, withdrawn };
  });
}

export const enhancedQuotaApproval: ApprovalKind = {
  kind: ENHANCED_QUOTA_KIND,
  title: 'Enhanced mailbox quota',
  describe: (r) => `Raise the mailbox of ${r.target_email ?? 'a deleted account'} to ${gb(ENHANCED_QUOTA_BYTES)}`,
  async apply(trx, r, ctx) {
    if (!r.target_account_id) throw new NotFoundError('The account this request was for no longer exists.');
    const account = await targetAccount(trx, r.target_account_id);
    const { quotaBytes } = await mailboxUsage(trx, account.id);
    await setQuota(trx, account.id, ENHANCED_QUOTA_BYTES);
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'mail.quota_changed', target: { type: 'account', id: account.id },
      organisationId: account.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip,
      detail: { email: account.email, fromBytes: quotaBytes, toBytes: ENHANCED_QUOTA_BYTES, approvalRequest: r.id },
    });
  },
  outcomeNotice(r, outcome, targetEmail) {
    const who = targetEmail ?? 'the account';
    return outcome === 'approved'
      ? {
          subject: `Enhanced mailbox quota approved for ${who}`,
          text: `Your request to raise the mailbox of ${who} to ${gb(ENHANCED_QUOTA_BYTES)} was approved by ${r.decided_by_label}. The new quota applies now.`,
        }
      : {
          subject: `Enhanced mailbox quota not approved for ${who}`,
          text: [
            `Your request to raise the mailbox of ${who} to ${gb(ENHANCED_QUOTA_BYTES)} was rejected by ${r.decided_by_label}.`,
            '', `The reason given: ${r.decision_note ?? ''}`, '',
            `The mailbox keeps its current quota. You can ask again with more detail.`,
          ].join('\n'),
        };
  },
};
