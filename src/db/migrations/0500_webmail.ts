import { type Kysely, sql } from 'kysely';

/**
 * Webmail over big folders (owned by src/mail/store, used by webmail): each
 * folder's message, unread and byte counts kept exact by statement-level
 * triggers (as mail_usage is), so the folder list and the page count never
 * scan a folder; indexes for the list's other sort orders (on the first 200
 * characters, which keeps every key well inside a B-tree page) and trigram
 * indexes for "from", "to" and "subject" contains-searches.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mail_folder_counts')
    .addColumn('folder_id', 'uuid', (c) => c.primaryKey().references('mail_folders.id').onDelete('cascade'))
    .addColumn('messages', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unseen', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    insert into mail_folder_counts (folder_id, messages, unseen, bytes)
    select folder_id, count(*), count(*) filter (where not seen), sum(size) from mail_messages group by folder_id`.execute(db);

  await sql`
    create function mail_folder_counts_added() returns trigger language plpgsql as $$
    begin
      insert into mail_folder_counts (folder_id, messages, unseen, bytes)
        select a.folder_id, count(*), count(*) filter (where not a.seen), sum(a.size)
        from added a join mail_folders f on f.id = a.folder_id group by a.folder_id
        on conflict (folder_id) do update
          set messages = mail_folder_counts.messages + excluded.messages,
              unseen = mail_folder_counts.unseen + excluded.unseen,
              bytes = mail_folder_counts.bytes + excluded.bytes;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_folder_counts_removed() returns trigger language plpgsql as $$
    begin
      update mail_folder_counts c set messages = c.messages - r.n, unseen = c.unseen - r.unseen, bytes = c.bytes - r.bytes
        from (select folder_id, count(*) as n, count(*) filter (where not seen) as unseen, sum(size) as bytes from removed group by folder_id) r
        where c.folder_id = r.folder_id;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_folder_counts_changed() returns trigger language plpgsql as $$
    begin
      update mail_folder_counts c set unseen = c.unseen + d.delta
        from (select n.folder_id, sum(case when n.seen then -1 else 1 end) as delta
              from new_rows n join old_rows o on o.id = n.id where o.seen is distinct from n.seen group by n.folder_id) d
        where c.folder_id = d.folder_id and d.delta <> 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger mail_folder_counts_added after insert on mail_messages referencing new table as added for each statement execute function mail_folder_counts_added()`.execute(db);
  await sql`create trigger mail_folder_counts_removed after delete on mail_messages referencing old table as removed for each statement execute function mail_folder_counts_removed()`.execute(db);
  await sql`create trigger mail_folder_counts_changed after update on mail_messages referencing old table as old_rows new table as new_rows for each statement execute function mail_folder_counts_changed()`.execute(db);

  await sql`create index mail_messages_by_from on mail_messages (folder_id, lower(left(from_text, 200)), uid)`.execute(db);
  await sql`create index mail_messages_by_subject on mail_messages (folder_id, lower(left(subject, 200)), uid)`.execute(db);
  await sql`create index mail_messages_by_size on mail_messages (folder_id, size, uid)`.execute(db);
  await sql`create index mail_messages_unseen on mail_messages (folder_id, internal_date) where not seen`.execute(db);
  await sql`create index mail_messages_account_date on mail_messages (account_id, internal_date)`.execute(db);
  await sql`create index mail_messages_from_trgm on mail_messages using gin (from_text gin_trgm_ops)`.execute(db);
  await sql`create index mail_messages_to_trgm on mail_messages using gin (to_text gin_trgm_ops)`.execute(db);
  await sql`create index mail_messages_subject_trgm on mail_messages using gin (subject gin_trgm_ops)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
