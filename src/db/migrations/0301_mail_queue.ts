import { type Kysely, sql } from 'kysely';

/**
 * The delivery queue (owned by src/mail/queue) and per-domain DKIM keys (owned
 * by src/mail/delivery). A queue entry holds a reference on the message bytes,
 * counted by the same kind of trigger as the store's, so bytes leave the
 * database only when no mailbox and no queue entry needs them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_queue')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('local','remote')`))
    .addColumn('blob_sha256', 'text', (c) => c.notNull().references('mail_blobs.sha256'))
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('recipients', sql`text[]`, (c) => c.notNull())
    .addColumn('domain', 'text')
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('leased_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('mail_queue_due').on('mail_queue').columns(['next_attempt_at']).execute();

  await sql`
    create function mail_queue_added() returns trigger language plpgsql as $$
    begin
      update mail_blobs b set refs = b.refs + a.n
        from (select blob_sha256, count(*) as n from added group by blob_sha256) a
        where b.sha256 = a.blob_sha256;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_queue_removed() returns trigger language plpgsql as $$
    begin
      update mail_blobs b set refs = b.refs - r.n
        from (select blob_sha256, count(*) as n from removed group by blob_sha256) r
        where b.sha256 = r.blob_sha256;
      delete from mail_blobs b using (select distinct blob_sha256 from removed) r
        where b.sha256 = r.blob_sha256 and b.refs <= 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger mail_queue_added after insert on mail_queue referencing new table as added for each statement execute function mail_queue_added()`.execute(db);
  await sql`create trigger mail_queue_removed after delete on mail_queue referencing old table as removed for each statement execute function mail_queue_removed()`.execute(db);

  await db.schema
    .createTable('mail_dkim_keys')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('selector', 'text', (c) => c.notNull())
    .addColumn('private_key_pem', 'text', (c) => c.notNull())
    .addColumn('public_key_base64', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
