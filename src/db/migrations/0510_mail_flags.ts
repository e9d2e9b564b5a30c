import { type Kysely, sql } from 'kysely';

/**
 * Message flags in a narrow table of their own (owned by src/mail/store), as
 * IMAP servers keep flags in an index apart from the mail. A row of
 * mail_messages carries about fifteen indexes (full text, trigrams, webmail's
 * sort orders); changing its flags or MODSEQ rewrote an entry in every one of
 * them. mail_flags holds what changes (flags, \Seen, MODSEQ) with three small
 * indexes, and mail_messages becomes write-once.
 *
 * Numbered after 0500_webmail on purpose: migrations run in name order on a
 * new database, and 0500 builds on the columns this one moves.
 *
 * `internal_date` is copied (it never changes) so that the unread list, sorted
 * by arrival, is read from mail_flags' own partial index. Unread counts in
 * mail_folder_counts now follow mail_flags; message and byte counts still
 * follow mail_messages. A statement-level trigger removes the flags of deleted
 * messages, whatever deleted them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Migrations run in one transaction; no message may arrive or change between the copy and the drop.
  await sql`lock table mail_messages in exclusive mode`.execute(db);
  await sql`
    create table mail_flags (
      folder_id uuid not null references mail_folders (id) on delete cascade,
      uid bigint not null,
      modseq bigint not null,
      flags text[] not null default '{}'::text[],
      seen boolean not null default false,
      internal_date timestamptz not null,
      primary key (folder_id, uid)
    )`.execute(db);
  await sql`
    insert into mail_flags (folder_id, uid, modseq, flags, seen, internal_date)
    select folder_id, uid, modseq, flags, seen, internal_date from mail_messages`.execute(db);
  await sql`create index mail_flags_modseq on mail_flags (folder_id, modseq)`.execute(db);
  await sql`create index mail_flags_unseen on mail_flags (folder_id, internal_date) where not seen`.execute(db);

  // Message and byte counts stay with mail_messages; unread counts move to mail_flags.
  await sql`drop trigger mail_folder_counts_changed on mail_messages`.execute(db);
  await sql`drop function mail_folder_counts_changed()`.execute(db);
  await sql`
    create or replace function mail_folder_counts_added() returns trigger language plpgsql as $$
    begin
      insert into mail_folder_counts (folder_id, messages, bytes)
        select a.folder_id, count(*), sum(a.size)
        from added a join mail_folders f on f.id = a.folder_id group by a.folder_id
        on conflict (folder_id) do update
          set messages = mail_folder_counts.messages + excluded.messages,
              bytes = mail_folder_counts.bytes + excluded.bytes;
      return null;
    end $$`.execute(db);
  await sql`
    create or replace function mail_folder_counts_removed() returns trigger language plpgsql as $$
    begin
      update mail_folder_counts c set messages = c.messages - r.n, bytes = c.bytes - r.bytes
        from (select folder_id, count(*) as n, sum(size) as bytes from removed group by folder_id) r
        where c.folder_id = r.folder_id;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_messages_flags_removed() returns trigger language plpgsql as $$
    begin
      delete from mail_flags f using removed r where f.folder_id = r.folder_id and f.uid = r.uid;
      return null;
    end $$`.execute(db);
  await sql`create trigger mail_messages_flags_removed after delete on mail_messages referencing old table as removed for each statement execute function mail_messages_flags_removed()`.execute(db);

  await sql`
    create function mail_flags_added() returns trigger language plpgsql as $$
    begin
      insert into mail_folder_counts (folder_id, unseen)
        select a.folder_id, count(*)
        from added a join mail_folders f on f.id = a.folder_id where not a.seen group by a.folder_id
        on conflict (folder_id) do update set unseen = mail_folder_counts.unseen + excluded.unseen;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_flags_removed() returns trigger language plpgsql as $$
    begin
      update mail_folder_counts c set unseen = c.unseen - r.n
        from (select folder_id, count(*) as n from removed where not seen group by folder_id) r
        where c.folder_id = r.folder_id;
      return null;
    end $$`.execute(db);
  await sql`
    create function mail_flags_changed() returns trigger language plpgsql as $$
    begin
      -- Unread after minus unread before, per folder. Not a join of the two transition tables: they
      -- have no indexes, and a STORE on 10,000 messages made that a 10,000 x 10,000 nested loop.
      update mail_folder_counts c set unseen = c.unseen + d.delta
        from (select folder_id, sum(change) as delta
              from (select folder_id, case when seen then 0 else 1 end as change from new_rows
                    union all
                    select folder_id, case when seen then 0 else -1 end from old_rows) x
              group by folder_id) d
        where c.folder_id = d.folder_id and d.delta <> 0;
      return null;
    end $$`.execute(db);
  await sql`create trigger mail_flags_added after insert on mail_flags referencing new table as added for each statement execute function mail_flags_added()`.execute(db);
  await sql`create trigger mail_flags_removed after delete on mail_flags referencing old table as removed for each statement execute function mail_flags_removed()`.execute(db);
  await sql`create trigger mail_flags_changed after update on mail_flags referencing old table as old_rows new table as new_rows for each statement execute function mail_flags_changed()`.execute(db);

  // Dropping the columns drops their indexes (mail_messages_modseq, mail_messages_unseen) with them.
  await sql`alter table mail_messages drop column flags, drop column seen, drop column modseq`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
