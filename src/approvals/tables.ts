import type { ColumnType, Generated } from 'kysely';

/** Requests that need a second person (migration 0310_approvals). Only src/approvals writes it. */
export type ApprovalRequestTable = {
  id: Generated<string>;
  kind: string;
  status: ColumnType<ApprovalStatus, ApprovalStatus | undefined, ApprovalStatus>;
  /** Whose Authorisations holders decide: the target's organisation (holders there or above reach it). */
  organisation_id: string;
  target_account_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  reason: Generated<string>;
  /** Who asked, as a stable key (`account:ID`, `api_key:ID`, `operator:LABEL`): the second-person rule compares it. */
  requested_by: string;
  requested_by_account_id: string | null;
  requested_by_label: string;
  /** Where the outcome is emailed (the requester's address, or the API key's maker's). */
  notify_email: string | null;
  requested_at: ColumnType<Date, Date | string | undefined, never>;
  decided_by_account_id: string | null;
  decided_by_label: string | null;
  decided_at: Date | null;
  decision_note: string | null;
};

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

declare module '../db/schema.ts' {
  interface DB {
    approval_requests: ApprovalRequestTable;
  }
}
