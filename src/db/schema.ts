import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * The tables' shapes as Kysely sees them. Each domain owns its tables (the
 * migration that makes them says which); other domains go through its functions.
 *
 * `DB` is an interface so that a domain can add its own tables from its own
 * folder, by module augmentation, without every domain editing this file:
 *
 *   declare module '../db/schema.ts' { interface DB { my_table: MyTable } }
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A timestamp with a default that can still be changed later (updated_at and the like). */
export type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type OrganisationTable = {
  id: Generated<string>;
  code: string;
  name: string;
  short_name: string;
  type: string;
  site_type: string | null;
  parent_id: string | null;
  status: Generated<'open' | 'closed'>;
  nas: Generated<boolean>;
  helpdesk_phone: string | null;
  helpdesk_email: string | null;
  postcode: string | null;
  opened_on: string | null;
  closed_on: string | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
};

export type OrganisationClosureTable = {
  ancestor_id: string;
  descendant_id: string;
  depth: number;
};

export type OrganisationUnitTable = {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  kind: string;
  created_at: CreatedAt;
};

export type AccountStatus =
  | 'active'
  | 'locked'
  | 'disabled'
  | 'leaver'
  | 'inactive'
  | 'deleted'
  | 'deleted_permanent';

export type AccountTable = {
  id: Generated<string>;
  organisation_id: string;
  unit_id: string | null;
  email: string;
  kind: Generated<'person' | 'application'>;
  first_name: string;
  last_name: string;
  display_name: string;
  job_title: string | null;
  job_role: string | null;
  specialty: string | null;
  department: string | null;
  location: string | null;
  work_phone: string | null;
  mobile: string | null;
  mobile_hidden: Generated<boolean>;
  pager: string | null;
  fax: string | null;
  web_page: string | null;
  description: string | null;
  external_sync_id: string | null;
  status: Generated<AccountStatus>;
  status_changed_at: DefaultedTimestamp;
  password_hash: string | null;
  password_temporary: Generated<boolean>;
  password_changed_at: Timestamp | null;
  onboarding_complete: Generated<boolean>;
  demo: Generated<boolean>;
  last_sign_in_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: DefaultedTimestamp;
};

export type MailAddressTable = {
  address: string;
  account_id: string | null;
  kind: 'primary' | 'alias' | 'retired';
  reserved_until: Timestamp | null;
  created_at: CreatedAt;
};

export type AccountRoleTable = {
  id: Generated<string>;
  account_id: string;
  organisation_id: string;
  role: string;
  granted_by: string | null;
  granted_at: CreatedAt;
};

export type SessionTable = {
  id_hash: string;
  account_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  user_agent: string | null;
  ip: string | null;
};

export type AuditEventTable = {
  seq: Generated<string>;
  at: Timestamp;
  actor_id: string | null;
  actor_label: string;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  organisation_id: string | null;
  front_door: string;
  ip: string | null;
  detail: JSONColumnType<Record<string, unknown>>;
  prev_hash: string;
  hash: string;
};

export interface DB {
  organisations: OrganisationTable;
  organisation_closure: OrganisationClosureTable;
  organisation_units: OrganisationUnitTable;
  accounts: AccountTable;
  mail_addresses: MailAddressTable;
  account_roles: AccountRoleTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
}
