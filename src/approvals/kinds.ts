import { enhancedQuotaApproval } from '../mail/quota/enhanced-quota.ts';
import type { ApprovalKind } from './kind.ts';

/** Every kind of request that needs a second person, by its `kind` column. */
export const APPROVAL_KINDS: Record<string, ApprovalKind> = {
  [enhancedQuotaApproval.kind]: enhancedQuotaApproval,
};
