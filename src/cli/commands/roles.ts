import { findAccountByEmail } from '../../directory/accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { operatorActor } from '../../identity/actor.ts';
import { grantRole, removeRole } from '../../identity/role-grants.ts';
import { ROLES } from '../../identity/roles.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { withDatabase } from '../with-database.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

const ROLE_OPTIONS = { email: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } } as const;

/** The account, organisation and role a `role` command names; unknown ones are usage errors. */
async function roleTarget(db: Kysely<DB>, values: Record<string, string | boolean | undefined>, usage: string) {
  const email = requireOption(values, 'email', usage);
  const code = requireOption(values, 'org', usage);
  const role = requireOption(values, 'role', usage);
  const account = await findAccountByEmail(db, email);
  if (!account) throw new UsageError(`There is no account ${email}.`);
  const org = await findOrganisationByCode(db, code);
  if (!org) throw new UsageError(`There is no organisation with code ${code.toUpperCase()}.`);
  return { account, org, role };
}

export const roleGrant: Command = {
  words: ['role', 'grant'],
  summary: 'Give an account a role at an organisation.',
  usage: 'caremail role grant --email ADDRESS --org CODE --role ROLE',
  help: [`Roles: ${ROLES.join(', ')}.`, 'Administrative roles need the account to have an authenticator app or passkey first.'],
  options: ROLE_OPTIONS,
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      const { account, org, role } = await roleTarget(db, values, this.usage);
      await grantRole(db, { accountId: account.id, organisationId: org.id, role }, { actor: operatorActor(), frontDoor: 'cli' });
      io.out(`${account.email} is now ${role} at ${org.name}.`);
      return 0;
    });
  },
};

export const roleRemove: Command = {
  words: ['role', 'remove'],
  summary: 'Take a role away from an account at an organisation.',
  usage: 'caremail role remove --email ADDRESS --org CODE --role ROLE',
  help: [`Roles: ${ROLES.join(', ')}.`],
  options: ROLE_OPTIONS,
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      const { account, org, role } = await roleTarget(db, values, this.usage);
      await removeRole(db, { accountId: account.id, organisationId: org.id, role }, { actor: operatorActor(), frontDoor: 'cli' });
      io.out(`${account.email} is no longer ${role} at ${org.name}.`);
      return 0;
    });
  },
};
