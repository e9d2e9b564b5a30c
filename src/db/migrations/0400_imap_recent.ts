import type { Kysely } from 'kysely';

/**
 * IMAP's \Recent (RFC 3501 2.3.2), owned by src/mail/store: per folder, the
 * highest UID already announced as recent to a session. The first session to
 * SELECT a folder after new messages arrived raises it in one statement, so
 * two processes never both announce the same message as recent. A table of
 * its own rather than a column of mail_folders, whose row every delivery locks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_recent')
    .addColumn('folder_id', 'uuid', (c) => c.primaryKey().references('mail_folders.id').onDelete('cascade'))
    .addColumn('announced_uid', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
