import { z } from 'zod';
import { findAccountByEmail } from '../../directory/accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { roleHolders } from '../../directory/role-holders.ts';
import { NotAllowedError, requireAllowed } from '../../identity/authorise.ts';
import { grantRole, removeRole } from '../../identity/role-grants.ts';
import { ROLES } from '../../identity/roles.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { type ApiCall, apiRoute } from '../registry.ts';

const Code = z.object({ code: z.string().trim().min(1).max(20) });
const Change = z.object({ email: z.string().trim().min(3).max(254), role: z.enum(ROLES) });
const TAG = 'Roles';

async function resolve(call: ApiCall<{ code: string }, unknown, { email: string; role: string }>) {
  const org = await findOrganisationByCode(call.db, call.params.code);
  if (!org) throw new NotFoundError(`There is no organisation with code ${call.params.code.toUpperCase()}.`);
  const account = await findAccountByEmail(call.db, call.body.email);
  if (!account) throw new ValidationError([{ field: 'email', message: 'There is no account with that email address.' }]);
  return { accountId: account.id, organisationId: org.id, role: call.body.role };
}

/**
 * A standard key is refused role changes by authorise() (it acts as an LA); the
 * refusal is worded here for the system that holds it, saying what would work.
 */
async function asKeyMay(call: ApiCall<{ code: string }, unknown, unknown>, change: () => Promise<void>) {
  try {
    await change();
  } catch (err) {
    if (err instanceof NotAllowedError && call.actor.kind === 'api_key' && !call.actor.grants.some((g) => g.role === 'local_primary_admin')) {
      throw new NotAllowedError(`This is a standard API key: it acts as a Local Administrator, and only a Local Primary Administrator can give or take away roles. Ask a Local Primary Administrator of ${call.params.code.toUpperCase()} for a primary key.`);
    }
    throw err;
  }
}

/** Role changes need a Local Primary Administrator's reach: a person's, or a primary key's. */
export const roleRoutes = [
  apiRoute({
    method: 'GET', path: '/organisations/:code/roles', tag: TAG, summary: 'Who holds which administrator role at an organisation', params: Code,
    handler: async ({ db, actor, params }) => {
      const org = await findOrganisationByCode(db, params.code);
      if (!org) throw new NotFoundError(`There is no organisation with code ${params.code.toUpperCase()}.`);
      await requireAllowed(db, actor, 'organisation.read', { organisationId: org.id });
      return { json: { roles: (await roleHolders(db, org.id)).map((h) => ({ email: h.email, displayName: h.display_name, role: h.role, grantedAt: h.granted_at })) } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/organisations/:code/roles', tag: TAG, summary: 'Give a role to a person the key reaches (a primary key gives LA and helpdesk roles; the person must have an authenticator app or passkey)', params: Code, body: Change,
    handler: async (call) => {
      await asKeyMay(call, async () => grantRole(call.db, await resolve(call), { actor: call.actor, frontDoor: 'api', ip: call.ip }));
      return { status: 201, json: { granted: call.body.role } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/organisations/:code/roles/remove', tag: TAG, summary: 'Take a role away (a primary key takes LA and helpdesk roles)', params: Code, body: Change,
    handler: async (call) => {
      await asKeyMay(call, async () => removeRole(call.db, await resolve(call), { actor: call.actor, frontDoor: 'api', ip: call.ip }));
      return { json: { removed: call.body.role } };
    },
  }),
];
