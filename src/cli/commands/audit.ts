import { listAuditEntries } from '../../audit/queries.ts';
import { verifyAuditChain } from '../../audit/trail.ts';
import { type Command, UsageError } from '../command.ts';
import { withDatabase } from '../with-database.ts';

export const auditVerify: Command = {
  words: ['audit', 'verify'],
  summary: 'Check the audit trail has not been changed; name the first broken entry.',
  usage: 'caremail audit verify',
  help: ['Exits 0 when the chain is whole, 3 when it is broken.'],
  async run(_args, settings, io) {
    return withDatabase(settings, async (db) => {
      const report = await verifyAuditChain(db);
      if (report.ok) {
        io.out(`The audit trail is whole: ${report.entries} entries checked.`);
        return 0;
      }
      io.err(`The audit trail is broken at entry ${report.firstBroken}: ${report.reason}.`);
      return 3;
    });
  },
};

export const auditShow: Command = {
  words: ['audit', 'show'],
  summary: 'Print the newest audit entries as JSON lines.',
  usage: 'caremail audit show [--limit N] [--action NAME]',
  help: [],
  options: { limit: { type: 'string' }, action: { type: 'string' } },
  async run({ values }, settings, io) {
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be a whole number from 1 to 100000.');
    return withDatabase(settings, async (db) => {
      const rows = await listAuditEntries(db, 'everywhere', { limit, action: values.action as string | undefined });
      for (const r of rows.reverse()) io.out(JSON.stringify(r));
      return 0;
    });
  },
};
