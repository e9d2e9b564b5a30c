import { type Kysely, sql } from 'kysely';

/**
 * Signing in safely: the lockout counter on the account (one row, so every
 * process updates the same count), each failure with where it came from, the
 * last password hashes, app passwords for mail clients, the reminders already
 * sent, and the flags the compromised-account action sets.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('accounts')
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_since', 'timestamptz')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('sending_blocked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('compromised_at', 'timestamptz')
    .execute();
  await sql`create index accounts_locked_until on accounts (locked_until) where locked_until is not null`.execute(db);

  await db.schema
    .createTable('sign_in_failures')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('front_door', 'text', (c) => c.notNull())
    .addColumn('client', 'text')
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sign_in_failures_account').on('sign_in_failures').columns(['account_id', 'at']).execute();

  await db.schema
    .createTable('password_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('password_history_account').on('password_history').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('app_passwords')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('last_used_ip', 'text')
    .addColumn('last_used_door', 'text')
    .execute();
  await db.schema.createIndex('app_passwords_account').on('app_passwords').column('account_id').execute();

  await db.schema
    .createTable('password_reminders_sent')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('password_changed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('days_before', 'integer', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('password_reminders_sent_pk', ['account_id', 'password_changed_at', 'days_before'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
