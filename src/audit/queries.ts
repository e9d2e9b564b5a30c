import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

export type AuditRow = {
  seq: string;
  at: Date;
  actor_label: string;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  front_door: string;
  ip: string | null;
  detail: Record<string, unknown>;
};

/** Newest first, limited to organisations under the given roots (or everything). */
export async function listAuditEntries(
  db: Kysely<DB>,
  scope: 'everywhere' | string[],
  opts: { limit?: number; beforeSeq?: string; action?: string } = {},
): Promise<AuditRow[]> {
  if (Array.isArray(scope) && scope.length === 0) return [];
  let q = db
    .selectFrom('audit_events')
    .select(['seq', 'at', 'actor_label', 'action', 'outcome', 'target_type', 'target_id', 'front_door', 'ip', 'detail']);
  if (scope !== 'everywhere') {
    q = q.where('organisation_id', 'in', (sub) => sub.selectFrom('organisation_closure').select('descendant_id').where('ancestor_id', 'in', scope));
  }
  if (opts.beforeSeq) q = q.where('seq', '<', opts.beforeSeq);
  if (opts.action) q = q.where('action', '=', opts.action);
  return q.orderBy('seq', 'desc').limit(opts.limit ?? 100).execute();
}
