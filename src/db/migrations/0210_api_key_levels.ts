import { type Kysely, sql } from 'kysely';

/**
 * API keys get a level: 'standard' acts as a Local Administrator of its
 * organisation, 'primary' as a Local Primary Administrator (so it may grant and
 * remove LA and helpdesk roles). Keys may make keys, so each remembers the key
 * that made it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_keys add column level text not null default 'standard' check (level in ('standard', 'primary'))`.execute(db);
  await sql`alter table api_keys add column created_by_key_id uuid references api_keys(id) on delete set null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table api_keys drop column created_by_key_id`.execute(db);
  await sql`alter table api_keys drop column level`.execute(db);
}
