import { type Kysely, sql } from 'kysely';

/**
 * The directory beyond the foundation: a normalised search name for People
 * Finder (kept by trigger, because unaccent() is not IMMUTABLE and so cannot
 * sit in an index expression), fields fed by an organisation's own systems,
 * directory contacts, lifecycle bookkeeping, API keys and bulk import jobs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Lower case, accents gone, punctuation to spaces, one leading space so that
  // "starts a word" is LIKE '% jon%', which a trigram index answers.
  await sql`
    create function caremail_search_text(t text) returns text language sql stable as $$
      select ' ' || btrim(regexp_replace(lower(unaccent(coalesce(t, ''))), '[^a-z0-9]+', ' ', 'g'))
    $$`.execute(db);

  await sql`alter table accounts add column search_name text not null default ''`.execute(db);
  // First and last name alone, in the C collation: a btree on them answers both "starts with" and
  // "in name order", so a name search can stop after one page instead of sorting every match.
  await sql`alter table accounts add column search_first text collate "C" not null default ''`.execute(db);
  await sql`alter table accounts add column search_last text collate "C" not null default ''`.execute(db);
  await sql`alter table accounts add column synced_fields text[] not null default '{}'`.execute(db);
  await sql`alter table accounts add column disabled_until timestamptz`.execute(db);
  await sql`alter table accounts add column previous_organisation_id uuid references organisations(id)`.execute(db);
  await sql`
    create function accounts_search_name() returns trigger language plpgsql as $$
    begin
      new.search_name := caremail_search_text(new.first_name || ' ' || new.last_name);
      if tg_table_name = 'accounts' then
        new.search_first := btrim(caremail_search_text(new.first_name));
        new.search_last := btrim(caremail_search_text(new.last_name));
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger accounts_search_name before insert or update of first_name, last_name on accounts
    for each row execute function accounts_search_name()`.execute(db);
  await sql`update accounts set first_name = first_name`.execute(db);
  await sql`create index accounts_search_trgm on accounts using gin (search_name gin_trgm_ops)`.execute(db);
  // Only the people People Finder shows, so the index alone settles the status and kind conditions.
  const shown = sql`where kind = 'person' and status not in ('deleted', 'deleted_permanent')`;
  await sql`create index accounts_search_last on accounts (search_last, search_first, id) ${shown}`.execute(db);
  await sql`create index accounts_search_first on accounts (search_first, search_last, id) ${shown}`.execute(db);
  // A name within an organisation (or each organisation of a subtree) is a short range of this one.
  await sql`create index accounts_search_org on accounts (organisation_id, search_last, search_first) ${shown}`.execute(db);
  await sql`create index accounts_org_role on accounts (organisation_id, job_role)`.execute(db);
  await sql`create index accounts_status_changed on accounts (status, status_changed_at)`.execute(db);
  await sql`create index organisations_name_trgm on organisations using gin (name gin_trgm_ops)`.execute(db);

  await db.schema
    .createTable('directory_contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('job_title', 'text')
    .addColumn('work_phone', 'text')
    .addColumn('mobile', 'text')
    .addColumn('external_email', 'text')
    .addColumn('note', 'text')
    .addColumn('search_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`
    create trigger directory_contacts_search_name before insert or update of first_name, last_name on directory_contacts
    for each row execute function accounts_search_name()`.execute(db);
  await sql`create index directory_contacts_search_trgm on directory_contacts using gin (search_name gin_trgm_ops)`.execute(db);
  await db.schema.createIndex('directory_contacts_org').on('directory_contacts').column('organisation_id').execute();

  // One row per warning or step already done, so two processes never send the same warning twice.
  await db.schema
    .createTable('lifecycle_notices')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('status_since', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('lifecycle_notices_pk', ['account_id', 'step', 'status_since'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_hint', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_org').on('api_keys').column('organisation_id').execute();

  await db.schema
    .createTable('bulk_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('checking','writing','done','rejected','failed')`))
    .addColumn('total_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('done_rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('problems', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('result_csv', 'text')
    .addColumn('started_by', 'uuid', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Cannot be undone.');
}
