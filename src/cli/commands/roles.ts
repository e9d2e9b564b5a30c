import { findAccountByEmail } from '../../directory/accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { operatorActor } from '../../identity/actor.ts';
import { removeRole } from '../../identity/role-grants.ts';
import { ROLES } from '../../identity/roles.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { withDatabase } from '../with-database.ts';

export const roleRemove: Command = {
  words: ['role', 'remove'],
  summary: 'Take a role away from an account at an organisation.',
  usage: 'caremail role remove --email ADDRESS --org CODE --role ROLE',
  help: [`Roles: ${ROLES.join(', ')}.`],
  options: { email: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } },
  async run({ values }, settings, io) {
    const email = requireOption(values, 'email', this.usage);
    const code = requireOption(values, 'org', this.usage);
    const role = requireOption(values, 'role', this.usage);
    return withDatabase(settings, async (db) => {
      const account = await findAccountByEmail(db, email);
      if (!account) throw new UsageError(`There is no account ${email}.`);
      const org = await findOrganisationByCode(db, code);
      if (!org) throw new UsageError(`There is no organisation with code ${code.toUpperCase()}.`);
      await removeRole(db, { accountId: account.id, organisationId: org.id, role }, { actor: operatorActor(), frontDoor: 'cli' });
      io.out(`${account.email} is no longer ${role} at ${org.name}.`);
      return 0;
    });
  },
};
