/**
 * The roles of SPEC 1. Every role is held at one organisation; what it reaches
 * from there is decided in authorise.ts, nowhere else.
 */
export const ROLES = [
  'local_primary_admin',
  'local_admin',
  'local_helpdesk',
  'nas_admin',
  'global_admin',
  'global_helpdesk',
  'authorisations',
  'audit',
] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  local_primary_admin: 'Local Primary Administrator',
  local_admin: 'Local Administrator',
  local_helpdesk: 'Local Helpdesk',
  nas_admin: 'National Administration Service administrator',
  global_admin: 'Global Admin',
  global_helpdesk: 'Global Helpdesk',
  authorisations: 'Authorisations',
  audit: 'Audit',
};

/** Roles that make an account an administrator (and so, later, require strong MFA). */
export const ADMIN_ROLES: ReadonlySet<Role> = new Set<Role>([
  'local_primary_admin',
  'local_admin',
  'local_helpdesk',
  'nas_admin',
  'global_admin',
  'global_helpdesk',
  'authorisations',
]);

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export type RoleGrant = { role: Role; organisationId: string };
