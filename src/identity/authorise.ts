import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Role, RoleGrant } from './roles.ts';

/**
 * The one place that decides "may this actor do this action to this target".
 * Every front door (Portal, API, command line, and later SMTP and IMAP) asks here.
 *
 * The decision itself (`decide`) is pure: it takes the actor's role grants and
 * the target organisation's ancestry, so it can be tested as a table.
 */
export const ACTIONS = [
  'organisation.read',
  'organisation.create',
  'organisation.edit',
  'organisation.import',
  'account.read',
  'account.list',
  'account.create',
  'account.import',
  'account.edit',
  'account.unlock',
  'account.mark_compromised',
  'account.reset_mfa',
  'account.verify_caller',
  'account.resecure',
  'role.grant_local',
  'role.grant_any',
  'audit.read',
  'directory.see_hidden',
  'account.lifecycle',
  'contact.edit',
  'apikey.manage',
  'report.read',
  // SPEC 7: accredited domains, alert level, spoofing report and DNS records (national); who may send encrypted mail (local).
  'secure.manage',
  'secure.approve_senders',
  // SPEC 6: an LA asks for an enhanced mailbox quota (or lowers it); SPEC 1: Authorisations holders decide such requests.
  'mail.quota',
  'approval.decide',
] as const;

export type Action = (typeof ACTIONS)[number];

/** The organisation an action touches, with everything above it. */
export type TargetOrganisation = {
  id: string;
  /** Ids of every ancestor, nearest first; not including the organisation itself. */
  ancestorIds: string[];
  /** Centrally administered: this organisation or one above it is marked NAS. */
  nas: boolean;
};

export type Actor =
  | { kind: 'account'; accountId: string; label: string; grants: RoleGrant[] }
  /** Someone at the server's shell: they hold the database already, so the command line acts for them. */
  | { kind: 'operator'; label: string }
  /** An organisation's own system, by API key: acts as a Local Administrator of that organisation. */
  | { kind: 'api_key'; keyId: string; organisationId: string; label: string; grants: RoleGrant[] }
  | { kind: 'system'; label: string };

export type Decision = { allowed: true } | { allowed: false; reason: string };

const READS: ReadonlySet<Action> = new Set(['organisation.read', 'account.read', 'account.list', 'audit.read']);

/** What each role may do within its reach. Global roles reach everything. */
const ROLE_ACTIONS: Record<Role, ReadonlySet<Action>> = {
  global_admin: new Set<Action>([
    'organisation.read', 'organisation.create', 'organisation.edit', 'organisation.import',
    'account.read', 'account.list', 'account.create', 'account.import', 'account.edit',
    'role.grant_local', 'role.grant_any', 'audit.read',
    'directory.see_hidden', 'account.lifecycle', 'contact.edit', 'apikey.manage', 'report.read',
    'account.unlock', 'account.mark_compromised',
    'account.reset_mfa', 'account.verify_caller', 'account.resecure',
    'secure.manage', 'secure.approve_senders', 'mail.quota',
  ]),
  global_helpdesk: new Set<Action>(['organisation.read', 'account.read', 'account.list', 'account.edit', 'directory.see_hidden', 'account.unlock',
    'account.verify_caller', 'account.resecure']),
  local_primary_admin: new Set<Action>([
    'organisation.read', 'organisation.edit', 'account.read', 'account.list', 'account.create',
    'account.import', 'account.edit', 'role.grant_local', 'audit.read',
    'directory.see_hidden', 'account.lifecycle', 'contact.edit', 'apikey.manage', 'report.read',
    'account.unlock', 'account.mark_compromised',
    'account.reset_mfa', 'account.verify_caller', 'account.resecure',
    'secure.approve_senders', 'mail.quota',
  ]),
  local_admin: new Set<Action>([
    'organisation.read', 'organisation.edit', 'account.read', 'account.list', 'account.create',
    'account.import', 'account.edit', 'audit.read',
    'directory.see_hidden', 'account.lifecycle', 'contact.edit', 'apikey.manage', 'report.read',
    'account.unlock', 'account.mark_compromised',
    'account.reset_mfa', 'account.verify_caller', 'account.resecure',
    'secure.approve_senders', 'mail.quota',
  ]),
  local_helpdesk: new Set<Action>(['organisation.read', 'account.read', 'account.list', 'account.edit', 'directory.see_hidden', 'account.unlock',
    'account.verify_caller', 'account.resecure']),
  nas_admin: new Set<Action>([
    'organisation.read', 'organisation.edit', 'account.read', 'account.list', 'account.create',
    'account.import', 'account.edit', 'audit.read',
    'directory.see_hidden', 'account.lifecycle', 'contact.edit', 'apikey.manage', 'report.read',
    'account.unlock', 'account.mark_compromised',
    'account.reset_mfa', 'account.verify_caller', 'account.resecure',
    'secure.approve_senders', 'mail.quota',
  ]),
  authorisations: new Set<Action>(['organisation.read', 'account.read', 'account.list', 'approval.decide']),
  audit: new Set<Action>([...READS, 'report.read']),
};

const GLOBAL_ROLES: ReadonlySet<Role> = new Set<Role>(['global_admin', 'global_helpdesk']);

function reaches(grant: RoleGrant, target: TargetOrganisation): boolean {
  if (GLOBAL_ROLES.has(grant.role)) return true;
  // The NAS runs every centrally administered organisation, wherever its own role is held.
  if (grant.role === 'nas_admin') return target.nas;
  return grant.organisationId === target.id || target.ancestorIds.includes(grant.organisationId);
}

export function decide(actor: Actor, action: Action, target: TargetOrganisation | null): Decision {
  if (actor.kind === 'operator' || actor.kind === 'system') return { allowed: true };
  for (const grant of actor.grants) {
    if (!ROLE_ACTIONS[grant.role].has(action)) continue;
    // Actions with no organisation (creating a top-level organisation) need a global role.
    if (target === null ? GLOBAL_ROLES.has(grant.role) : reaches(grant, target)) return { allowed: true };
  }
  return {
    allowed: false,
    reason: target === null
      ? 'You need a national role to do this.'
      : 'You do not have permission to do this for that organisation. Local Administrators manage their own organisation and the organisations below it.',
  };
}

/** Looks up the target's ancestry and decides. */
export async function authorise(
  db: Kysely<DB>,
  actor: Actor,
  action: Action,
  target: { organisationId: string } | null,
): Promise<Decision> {
  if (target === null) return decide(actor, action, null);
  const org = await loadTargetOrganisation(db, target.organisationId);
  if (!org) return { allowed: false, reason: 'That organisation does not exist.' };
  return decide(actor, action, org);
}

export async function loadTargetOrganisation(db: Kysely<DB>, organisationId: string): Promise<TargetOrganisation | null> {
  const rows = await db
    .selectFrom('organisation_closure as c')
    .innerJoin('organisations as o', 'o.id', 'c.ancestor_id')
    .select(['c.ancestor_id', 'c.depth', 'o.nas'])
    .where('c.descendant_id', '=', organisationId)
    .orderBy('c.depth')
    .execute();
  if (!rows.length) return null;
  return {
    id: organisationId,
    ancestorIds: rows.filter((r) => r.depth > 0).map((r) => r.ancestor_id),
    nas: rows.some((r) => r.nas),
  };
}

export class NotAllowedError extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

export async function requireAllowed(
  db: Kysely<DB>,
  actor: Actor,
  action: Action,
  target: { organisationId: string } | null,
): Promise<void> {
  const d = await authorise(db, actor, action, target);
  if (!d.allowed) throw new NotAllowedError(d.reason);
}

/**
 * Where an actor may do `action`, as subtree roots: 'everywhere', or the
 * organisations at the top of each subtree they reach. Lists and searches use
 * it to filter in the database rather than checking row by row.
 */
export async function reachableRoots(db: Kysely<DB>, actor: Actor, action: Action): Promise<'everywhere' | string[]> {
  if (actor.kind === 'operator' || actor.kind === 'system') return 'everywhere';
  const roots = new Set<string>();
  for (const grant of actor.grants) {
    if (!ROLE_ACTIONS[grant.role].has(action)) continue;
    if (GLOBAL_ROLES.has(grant.role)) return 'everywhere';
    if (grant.role === 'nas_admin') {
      for (const o of await db.selectFrom('organisations').select('id').where('nas', '=', true).execute()) roots.add(o.id);
    } else roots.add(grant.organisationId);
  }
  return [...roots];
}
