import { type Kysely, sql } from 'kysely';

/**
 * Secure messaging (SPEC 7), owned by src/mail/secure: accredited domains,
 * encrypted messages to outside recipients with their one-time codes and
 * reading sessions, refused spoofing attempts and the networks that identify
 * their senders, national settings (the alert level) and the organisations
 * whose users need approval before sending encrypted mail.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('secure_accredited_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('accredited_until', 'timestamptz')
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('secure_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('sender_account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('sender_address', 'text', (c) => c.notNull())
    .addColumn('recipient_address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    // Both sealed values are null once the message is revoked or expired: erased, not flagged.
    .addColumn('sealed_message', 'jsonb')
    .addColumn('sealed_subject', 'jsonb')
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('link_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('erased_at', 'timestamptz')
    .addColumn('first_read_at', 'timestamptz')
    .addColumn('last_read_at', 'timestamptz')
    .addColumn('read_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replies', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('code_salt', 'bytea')
    .addColumn('code_hash', 'bytea')
    .addColumn('code_expires_at', 'timestamptz')
    .addColumn('code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('codes_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('secure_messages_sender').on('secure_messages').columns(['sender_account_id', 'created_at']).execute();
  await db.schema.createIndex('secure_messages_expiry').on('secure_messages').columns(['expires_at']).execute();

  await db.schema
    .createTable('secure_reader_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('secure_messages.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('secure_spoof_attempts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('claimed_from', 'text', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('helo', 'text', (c) => c.notNull())
    .addColumn('client_hostname', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text')
    .addColumn('results', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('secure_spoof_attempts_at').on('secure_spoof_attempts').columns(['at']).execute();

  await db.schema
    .createTable('secure_known_senders')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation', 'text', (c) => c.notNull())
    // One of the two: an address range (CIDR or a single address) or a host name suffix.
    .addColumn('network', 'text')
    .addColumn('host_suffix', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('secure_known_senders_one', sql`(network is null) <> (host_suffix is null)`)
    .execute();

  await db.schema
    .createTable('secure_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('secure_org_policies')
    .addColumn('organisation_id', 'uuid', (c) => c.primaryKey().references('organisations.id').onDelete('cascade'))
    .addColumn('approval_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('secure_sender_approvals')
    .addColumn('account_id', 'uuid', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('approved_by', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['secure_sender_approvals', 'secure_org_policies', 'secure_settings', 'secure_known_senders', 'secure_spoof_attempts', 'secure_reader_sessions', 'secure_messages', 'secure_accredited_domains']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
