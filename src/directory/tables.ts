import type { Generated, JSONColumnType, Kysely } from 'kysely';
import type { CreatedAt, DB, DefaultedTimestamp, Timestamp } from '../db/schema.ts';

/**
 * The directory's own tables (migrations 0200 and 0210) and the columns it added to
 * `accounts`. The added columns cannot be declared on the foundation's
 * AccountTable type, so `directoryDb` widens a handle to see them.
 */
export type DirectoryAccountColumns = {
  /** ' firstname lastname', lower case without accents; kept by a trigger. */
  search_name: Generated<string>;
  /** First and last name alone, normalised the same way, in the C collation (for ordered prefix search). */
  search_first: Generated<string>;
  search_last: Generated<string>;
  /** Fields fed by the organisation's own systems: locked against hand edits. */
  synced_fields: Generated<string[]>;
  disabled_until: Timestamp | null;
  /** Where a leaver came from, until they join somewhere else. */
  previous_organisation_id: string | null;
};

export type DirectoryContactTable = {
  id: Generated<string>;
  organisation_id: string;
  first_name: string;
  last_name: string;
  job_title: string | null;
  work_phone: string | null;
  mobile: string | null;
  external_email: string | null;
  note: string | null;
  search_name: Generated<string>;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
};

export type LifecycleNoticeTable = {
  account_id: string;
  step: string;
  status_since: Timestamp;
  sent_at: CreatedAt;
};

export type ApiKeyLevel = 'standard' | 'primary';

export type ApiKeyTable = {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  token_hash: string;
  token_hint: string;
  /** 'standard' acts as a Local Administrator, 'primary' as a Local Primary Administrator (migration 0210). */
  level: Generated<ApiKeyLevel>;
  created_by: string | null;
  /** The key that made this one, when a key made it (migration 0210). */
  created_by_key_id: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

export type BulkJobTable = {
  id: Generated<string>;
  organisation_id: string;
  kind: string;
  state: 'checking' | 'writing' | 'done' | 'rejected' | 'failed';
  total_rows: Generated<number>;
  done_rows: Generated<number>;
  created_count: Generated<number>;
  updated_count: Generated<number>;
  problems: JSONColumnType<Array<{ line: number; field?: string; message: string }>>;
  result_csv: string | null;
  started_by: string | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
};

/** Every first name ('f') and surname ('l') borne, normalised as `search_first`/`search_last` (migration 0220). */
export type DirectoryNameTable = {
  part: 'f' | 'l';
  name: string;
};

declare module '../db/schema.ts' {
  interface DB {
    directory_names: DirectoryNameTable;
    directory_contacts: DirectoryContactTable;
    lifecycle_notices: LifecycleNoticeTable;
    api_keys: ApiKeyTable;
    bulk_jobs: BulkJobTable;
  }
}

type Widened = { accounts: DirectoryAccountColumns };
export type DirectoryDB = DB & Widened;

/** The same handle (or transaction), typed to see the directory's columns on `accounts`. */
export function directoryDb(db: Kysely<DB>): Kysely<DirectoryDB> {
  return db.withTables<Widened>() as unknown as Kysely<DirectoryDB>;
}
