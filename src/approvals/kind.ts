import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ApprovalContext, ApprovalRequest } from './requests.ts';

/**
 * What one kind of request needs to be decided: a line for the list, the change
 * made on approval (inside the deciding transaction, so approval and change
 * land together), and the words of the email the requester gets.
 */
export type ApprovalKind = {
  kind: string;
  title: string;
  describe(r: ApprovalRequest & { target_email?: string | null }): string;
  apply(trx: Kysely<DB>, r: ApprovalRequest, ctx: ApprovalContext): Promise<void>;
  outcomeNotice(r: ApprovalRequest, outcome: 'approved' | 'rejected', targetEmail: string | null): { subject: string; text: string };
};
