import { type Kysely, sql } from 'kysely';

/**
 * People Finder's close-spelling search at national scale. Comparing what was
 * typed with every person's name costs a pass over millions of rows; comparing
 * it with the far smaller set of distinct first names and surnames, then
 * fetching the people who bear the close ones by the (surname, first name)
 * btrees, costs a few index probes. `directory_names` is that set, kept by
 * triggers on `accounts`. It must hold every name a shown person bears (a
 * two-word prefix search probes only the names it lists); a name nobody bears
 * any more finds nobody until `pruneUnusedNames` removes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table directory_names (
      part char(1) not null check (part in ('f', 'l')),
      name text collate "C" not null,
      primary key (part, name)
    )`.execute(db);
  // A later word of a name of several ("brien" in "o brien"), from only those names, a small part of the whole.
  await sql`create index directory_names_later_words on directory_names using gin (name gin_trgm_ops) where name like '% %'`.execute(db);
  // Names of more than one word run together ("obrien" for O'Brien), for starts-with.
  await sql`create index directory_names_compact on directory_names (part, replace(name, ' ', ''))`.execute(db);

  // One letter wrong, for any length of name, by exact lookups: each name is filed under itself and
  // under every way of dropping one of its letters; a typed word one letter added, dropped, changed
  // or swapped away shares one of those keys. Trigrams miss these in short names ("bell" and
  // "ball" share too few) and read long posting lists; an edit distance compares every name.
  await sql`
    create table directory_name_keys (
      key text collate "C" not null,
      part char(1) not null,
      name text collate "C" not null,
      primary key (key, part, name),
      foreign key (part, name) references directory_names (part, name) on delete cascade
    )`.execute(db);
  await sql`
    create function directory_name_keys_added() returns trigger language plpgsql as $$
    begin
      insert into directory_name_keys (key, part, name)
        select k.key, n.part, n.name from added n
        cross join lateral (select n.name as key
          union select left(n.name, i - 1) || substr(n.name, i + 1) from generate_series(1, length(n.name)) i) k
      on conflict do nothing;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger directory_names_keys_added after insert on directory_names
    referencing new table as added for each statement execute function directory_name_keys_added()`.execute(db);

  await sql`
    create function directory_names_added() returns trigger language plpgsql as $$
    begin
      insert into directory_names (part, name)
        select 'f', search_first from added where search_first <> ''
        union select 'l', search_last from added where search_last <> ''
      on conflict do nothing;
      return null;
    end $$`.execute(db);
  // Statement-level with the new rows as a table, so a bulk insert adds each distinct name once.
  await sql`
    create trigger accounts_names_added after insert on accounts
    referencing new table as added for each statement execute function directory_names_added()`.execute(db);
  await sql`
    create function directory_names_renamed() returns trigger language plpgsql as $$
    begin
      insert into directory_names (part, name)
        select 'f', new.search_first where new.search_first <> ''
        union select 'l', new.search_last where new.search_last <> ''
      on conflict do nothing;
      return null;
    end $$`.execute(db);
  // A status or kind change too: a name pruned while its only bearer was deleted comes back when they are restored.
  await sql`
    create trigger accounts_names_renamed after update of first_name, last_name, status, kind on accounts
    for each row when (old.search_first is distinct from new.search_first or old.search_last is distinct from new.search_last
      or old.status is distinct from new.status or old.kind is distinct from new.kind)
    execute function directory_names_renamed()`.execute(db);

  await sql`
    insert into directory_names (part, name)
      select distinct 'f', search_first from accounts where search_first <> ''
      union select distinct 'l', search_last from accounts where search_last <> ''
    on conflict do nothing`.execute(db);

  // With the default 100 most common values, a common surname outside them is
  // estimated at a handful of rows, and the planner walks all its bearers to
  // find the few in one organisation instead of using the organisation's index.
  await sql`alter table accounts alter column search_last set statistics 1000`.execute(db);
  await sql`alter table accounts alter column search_first set statistics 1000`.execute(db);
  await sql`analyze accounts (search_last, search_first, organisation_id)`.execute(db);
  await sql`analyze directory_names`.execute(db);
  await sql`analyze directory_name_keys`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
