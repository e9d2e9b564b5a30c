import { readFile } from 'node:fs/promises';
import { importOrganisationsCsv } from '../../directory/organisation-import.ts';
import { createOrganisation, findOrganisationByCode, listSubtree } from '../../directory/organisations.ts';
import { ORGANISATION_TYPES } from '../../directory/organisation-schema.ts';
import { operatorActor } from '../../identity/actor.ts';
import { type Command, UsageError, requireOption } from '../command.ts';
import { withDatabase } from '../with-database.ts';

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`);
  }
}
export { readInput };

export const orgImport: Command = {
  words: ['org', 'import'],
  summary: 'Create or update organisations from a CSV file (all or nothing).',
  usage: 'caremail org import <file.csv>',
  help: [
    'Columns: code, name, parent_code, type, postcode, open_date, close_date',
    '  (optional: short_name, site_type, nas, helpdesk_phone, helpdesk_email).',
    `Types: ${ORGANISATION_TYPES.join(', ')}.`,
    'Every bad row is reported by line; if there is any, nothing is imported.',
  ],
  positionals: { min: 1, max: 1 },
  async run({ positionals }, settings, io) {
    const text = await readInput(positionals[0]);
    return withDatabase(settings, async (db) => {
      const r = await importOrganisationsCsv(db, text, { actor: operatorActor(), frontDoor: 'cli' });
      io.out(`Imported: ${r.created} created, ${r.updated} updated.`);
      return 0;
    });
  },
};

export const orgAdd: Command = {
  words: ['org', 'add'],
  summary: 'Create one organisation.',
  usage: 'caremail org add --code CODE --name NAME --type TYPE [--parent CODE] [--short-name S] [--site-type T] [--nas]',
  help: [`Types: ${ORGANISATION_TYPES.join(', ')}.`],
  options: {
    code: { type: 'string' }, name: { type: 'string' }, type: { type: 'string' }, parent: { type: 'string' },
    'short-name': { type: 'string' }, 'site-type': { type: 'string' }, nas: { type: 'boolean' },
    'helpdesk-phone': { type: 'string' }, 'helpdesk-email': { type: 'string' },
  },
  async run({ values }, settings, io) {
    const input = {
      code: requireOption(values, 'code', this.usage),
      name: requireOption(values, 'name', this.usage),
      type: requireOption(values, 'type', this.usage),
      parentCode: values.parent as string | undefined,
      shortName: values['short-name'] as string | undefined,
      siteType: values['site-type'] as string | undefined,
      nas: Boolean(values.nas),
      helpdeskPhone: values['helpdesk-phone'] as string | undefined,
      helpdeskEmail: values['helpdesk-email'] as string | undefined,
    };
    return withDatabase(settings, async (db) => {
      const org = await createOrganisation(db, input, { actor: operatorActor(), frontDoor: 'cli' });
      io.out(`Created ${org.name} (${org.code}).`);
      return 0;
    });
  },
};

export const orgList: Command = {
  words: ['org', 'list'],
  summary: 'Show the organisation tree (or the part below one organisation).',
  usage: 'caremail org list [--under CODE]',
  help: [],
  options: { under: { type: 'string' } },
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      let roots: Array<{ id: string }>;
      if (typeof values.under === 'string') {
        const org = await findOrganisationByCode(db, values.under);
        if (!org) throw new UsageError(`There is no organisation with code ${values.under.toUpperCase()}.`);
        roots = [org];
      } else {
        roots = await db.selectFrom('organisations').select('id').where('parent_id', 'is', null).orderBy('name').execute();
      }
      for (const root of roots) {
        const rows = await listSubtree(db, root.id);
        // Print as a tree: children under their parent, indented by depth.
        const byParent = new Map<string | null, typeof rows>();
        for (const r of rows) byParent.set(r.parent_id, [...(byParent.get(r.parent_id) ?? []), r]);
        const print = (r: (typeof rows)[number], indent: number) => {
          io.out(`${'  '.repeat(indent)}${r.code.padEnd(8)} ${r.name}${r.status === 'closed' ? ' (closed)' : ''}${r.nas ? ' [NAS]' : ''}`);
          for (const c of byParent.get(r.id) ?? []) print(c, indent + 1);
        };
        print(rows[0], 0);
      }
      return 0;
    });
  },
};
