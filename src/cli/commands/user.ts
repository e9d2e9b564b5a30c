import { importAccountsCsv } from '../../directory/account-import.ts';
import { createAccount, findAccountByEmail, listAccounts, STATUS_LABELS } from '../../directory/accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { operatorActor } from '../../identity/actor.ts';
import { type Command, UsageError, requireOption } from '../command.ts';
import { withDatabase } from '../with-database.ts';
import { readInput } from './org.ts';

export const userAdd: Command = {
  words: ['user', 'add'],
  summary: 'Create one account and print its one-time temporary password.',
  usage: 'caremail user add --org CODE --first NAME --last NAME [--job-title T] [--department D] [--mobile M] [--external-sync-id ID]',
  help: ['The address is firstname.lastname@domain, with a number added if it is taken.'],
  options: {
    org: { type: 'string' }, first: { type: 'string' }, last: { type: 'string' }, 'job-title': { type: 'string' },
    department: { type: 'string' }, mobile: { type: 'string' }, 'external-sync-id': { type: 'string' }, unit: { type: 'string' },
  },
  async run({ values }, settings, io) {
    const input = {
      organisationCode: requireOption(values, 'org', this.usage),
      firstName: requireOption(values, 'first', this.usage),
      lastName: requireOption(values, 'last', this.usage),
      jobTitle: values['job-title'], department: values.department, mobile: values.mobile,
      externalSyncId: values['external-sync-id'], unit: values.unit,
    };
    return withDatabase(settings, async (db) => {
      const a = await createAccount(db, input, { actor: operatorActor(), frontDoor: 'cli', domain: settings.domain });
      io.out(`Created ${a.email} (${a.displayName}).`);
      io.out(`Temporary password (give it to the person securely; shown once): ${a.temporaryPassword}`);
      return 0;
    });
  },
};

export const userImport: Command = {
  words: ['user', 'import'],
  summary: 'Create accounts from a CSV file (checked first; all or nothing).',
  usage: 'caremail user import <file.csv>',
  help: [
    'Columns: organisation_code, first_name, last_name (optional: job_title, job_role, specialty,',
    '  department, location, unit, work_phone, mobile, pager, external_sync_id, display_name).',
    'Prints a CSV of the accounts made: line, email, temporary_password.',
  ],
  positionals: { min: 1, max: 1 },
  async run({ positionals }, settings, io) {
    const text = await readInput(positionals[0]);
    return withDatabase(settings, async (db) => {
      const created = await importAccountsCsv(db, text, { actor: operatorActor(), frontDoor: 'cli', domain: settings.domain });
      io.out('line,email,temporary_password');
      for (const c of created) io.out(`${c.line},${c.email},${c.temporaryPassword}`);
      io.err(`${created.length} account${created.length === 1 ? '' : 's'} created.`);
      return 0;
    });
  },
};

export const userList: Command = {
  words: ['user', 'list'],
  summary: "List an organisation's accounts.",
  usage: 'caremail user list --org CODE [--children]',
  help: ['--children includes the organisations below it.'],
  options: { org: { type: 'string' }, children: { type: 'boolean' } },
  async run({ values }, settings, io) {
    const code = requireOption(values, 'org', this.usage);
    return withDatabase(settings, async (db) => {
      const org = await findOrganisationByCode(db, code);
      if (!org) throw new UsageError(`There is no organisation with code ${code.toUpperCase()}.`);
      const { total, rows } = await listAccounts(db, org.id, { includeChildren: Boolean(values.children), limit: 10_000 });
      for (const r of rows) io.out(`${r.email.padEnd(40)} ${STATUS_LABELS[r.status].padEnd(16)} ${r.display_name}`);
      io.err(`${total} account${total === 1 ? '' : 's'}.`);
      return 0;
    });
  },
};
