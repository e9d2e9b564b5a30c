import { type Kysely, sql } from 'kysely';

/**
 * The message store (owned by src/mail/store): folders per account, messages
 * with IMAP's UID/MODSEQ bookkeeping, raw bytes stored once by SHA-256 and
 * reference-counted, expunge records for CONDSTORE/QRESYNC, and exact quota
 * usage per account. Reference counts and usage are kept by statement-level
 * triggers so that every path (store functions, cascades from a deleted folder
 * or account) keeps them exact.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table accounts add column mail_quota_bytes bigint not null default 4294967296`.execute(db);

  await db.schema
    .createTable('mail_blobs')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('raw', 'bytea', (c) => c.notNull())
    .addColumn('refs', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`create sequence mail_uid_validity_seq start 1`.execute(db);
  await db.schema
    .createTable('mail_folders')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('special_use', 'text')
    .addColumn('uid_validity', 'bigint', (c) => c.notNull().defaultTo(sql`nextval('mail_uid_validity_seq')`))
    .addColumn('uid_next', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('highest_modseq', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('subscribed', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('mail_folders_name', ['account_id', 'name'])
    .execute();

  await db.schema
    .createTable('mail_messages')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('folder_id', 'uuid', (c) => c.notNull().references('mail_folders.id').onDelete('cascade'))
    .addColumn('account_id', 'uuid', (c) => c.notNull())
    .addColumn('uid', 'bigint', (c) => c.notNull())
    .addColumn('modseq', 'bigint', (c) => c.notNull())
    .addColumn('blob_sha256', 'text', (c) => c.notNull().references('mail_blobs.sha256'))
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('internal_date', 'timestamptz', (c) => c.notNull())
    .addColumn('flags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('seen', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('envelope', 'jsonb', (c) => c.notNull())
    .addColumn('body_structure', 'jsonb', (c) => c.notNull())
    .addColumn('sent_date', 'timestamptz')
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('from_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('to_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('preview', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('has_attachments', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('search', sql`tsvector`, (c) => c.notNull())
    .addUniqueConstraint('mail_messages_uid', ['folder_id', 'uid'])
    .execute();
  await db.schema.createIndex('mail_messages_modseq').on('mail_messages').columns(['folder_id', 'modseq']).execute();
  await db.schema.createIndex('mail_messages_date').on('mail_messages').columns(['folder_id', 'internal_date']).execute();
  await db.schema.createIndex('mail_messages_blob').on('mail_messages').column('blob_sha256').execute();
  await db.schema.createIndex('mail_messages_account').on('mail_messages').column('account_id').execute();
  await sql`create index mail_messages_search on mail_messages using gin (search)`.execute(db);

  await db.schema
    .createTable('mail_expunged')
    .addColumn('folder_id', 'uuid', (c) => c.notNull().references('mail_folders.id').onDelete('cascade'))
    .addColumn('uid', 'bigint', (c) => c.notNull())
    .addColumn('modseq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mail_expunged_pk', ['folder_id', 'uid'])
    .execute();
  await db.schema.createIndex('mail_expunged_modseq').on('mail_expunged').columns(['folder_id', 'modseq']).execute();

  await db.schema
    .createTable('mail_usage')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('messages', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('warned_percent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // Statement-level triggers with transition tables: one update per blob and per account per statement.
  await sql`
    create function mail_messages_added() returns trigger language plpgsql as $$
    begin
      update mail_blobs b set refs = b.refs + a.n
        from (select blob_sha256, count(*) as n from added group by blob_sha256) a
        where b.sha256 = a.blob_sha256;
      insert into mail_usage (account_id, used_bytes, messages)
        select account_id, sum(size), count(*) from added group by account_id
        on conflict (account_id) do update
          set used_bytes = mail_usage.used_bytes + excluded.used_bytes,
              messages = mail_usage.messages + excluded.messages;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_messages_removed() returns trigger language plpgsql as $$
    begin
      update mail_usage u set used_bytes = u.used_bytes - r.bytes, messages = u.messages - r.n
        from (select account_id, sum(size) as bytes, count(*) as n from removed group by account_id) r
        where u.account_id = r.account_id;
      update mail_blobs b set refs = b.refs - r.n
        from (select blob_sha256, count(*) as n from removed group by blob_sha256) r
        where b.sha256 = r.blob_sha256;
      delete from mail_blobs b using (select distinct blob_sha256 from removed) r
        where b.sha256 = r.blob_sha256 and b.refs <= 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger mail_messages_added after insert on mail_messages referencing new table as added for each statement execute function mail_messages_added()`.execute(db);
  await sql`create trigger mail_messages_removed after delete on mail_messages referencing old table as removed for each statement execute function mail_messages_removed()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
