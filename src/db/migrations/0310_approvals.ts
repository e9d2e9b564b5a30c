import { type Kysely, sql } from 'kysely';

/**
 * Requests that need a second person (SPEC 1, Authorisations): an enhanced
 * mailbox quota first, other kinds later. One table for every kind, so the
 * list of pending approvals is one query whatever is being approved.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('approval_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','approved','rejected','withdrawn')`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('target_account_id', 'uuid', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_by_account_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('requested_by_label', 'text', (c) => c.notNull())
    .addColumn('notify_email', 'text')
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('decided_by_account_id', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('decided_by_label', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_note', 'text')
    .execute();
  // One open request per thing at a time: a second "please raise" waits on the first.
  await sql`create unique index approval_requests_one_pending on approval_requests (kind, target_account_id) where status = 'pending'`.execute(db);
  await sql`create index approval_requests_pending_by_org on approval_requests (organisation_id, requested_at) where status = 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('approval_requests').execute();
}
