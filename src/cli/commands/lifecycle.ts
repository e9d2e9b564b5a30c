import type { Kysely } from 'kysely';
import type { Settings } from '../../config/settings.ts';
import type { DB } from '../../db/schema.ts';
import { findAccountByEmail } from '../../directory/accounts.ts';
import { runLifecycleJobs } from '../../directory/lifecycle-jobs.ts';
import { acceptJoiner, disableAccount, enableAccount, lifecyclePolicy, markLeaver, moveAccount, restoreAccount } from '../../directory/lifecycle.ts';
import { operatorActor } from '../../identity/actor.ts';
import { outboxNotifier } from '../../notify/notifier.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { withDatabase } from '../with-database.ts';
import { readInput } from './org.ts';
import { getBulkJob, runBulkJob, startBulkJob } from '../../directory/bulk-accounts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';

/** The account lifecycle at the shell (SPEC 3): the same domain functions as the Portal and the API. */
function lifecycleCtx(db: Kysely<DB>, settings: Settings) {
  return { actor: operatorActor(), frontDoor: 'cli' as const, notifier: outboxNotifier(db), policy: lifecyclePolicy(settings), domain: settings.domain };
}

async function accountId(db: Kysely<DB>, email: string): Promise<string> {
  const a = await findAccountByEmail(db, email);
  if (!a) throw new UsageError(`There is no account ${email}.`);
  return a.id;
}

const email = { email: { type: 'string' as const } };

export const userLeaver: Command = {
  words: ['user', 'leaver'],
  summary: 'Mark an account as a leaver (30 days to join elsewhere; admin roles removed; emailed).',
  usage: 'caremail user leaver --email ADDRESS',
  help: [],
  options: email,
  async run({ values }, settings, io) {
    const address = requireOption(values, 'email', this.usage);
    return withDatabase(settings, async (db) => {
      const r = await markLeaver(db, await accountId(db, address), lifecycleCtx(db, settings));
      io.out(`${r.email} is now a leaver; another organisation can accept them as a joiner until ${r.joinBy.toISOString().slice(0, 10)}.`);
      return 0;
    });
  },
};

export const userJoiner: Command = {
  words: ['user', 'joiner'],
  summary: 'Accept a leaver into an organisation (mailbox, address and history kept).',
  usage: 'caremail user joiner --email ADDRESS --org CODE [--unit NAME] [--last-name NEW]',
  help: ['--last-name changes their surname; the old address then stays a receive-only alias for 90 days.'],
  options: { ...email, org: { type: 'string' }, unit: { type: 'string' }, 'last-name': { type: 'string' } },
  async run({ values }, settings, io) {
    const address = requireOption(values, 'email', this.usage);
    const organisationCode = requireOption(values, 'org', this.usage);
    return withDatabase(settings, async (db) => {
      const r = await acceptJoiner(db, await accountId(db, address), { organisationCode, unit: values.unit, lastName: values['last-name'] }, lifecycleCtx(db, settings));
      io.out(`${r.displayName} has joined ${r.organisation} as ${r.email}.${r.alias ? ` Mail to ${r.alias.address} reaches them until ${r.alias.until.toISOString().slice(0, 10)}.` : ''}`);
      return 0;
    });
  },
};

export const userDisable: Command = {
  words: ['user', 'disable'],
  summary: 'Disable an account for a long absence (up to 18 months; it still receives mail).',
  usage: 'caremail user disable --email ADDRESS --until YYYY-MM-DD [--reason TEXT]',
  help: [],
  options: { ...email, until: { type: 'string' }, reason: { type: 'string' } },
  async run({ values }, settings, io) {
    const address = requireOption(values, 'email', this.usage);
    const until = requireOption(values, 'until', this.usage);
    return withDatabase(settings, async (db) => {
      const r = await disableAccount(db, await accountId(db, address), { until, reason: values.reason }, lifecycleCtx(db, settings));
      io.out(`${r.email} is disabled until ${r.until.toISOString().slice(0, 10)}.`);
      return 0;
    });
  },
};

const simple = (word: 'enable' | 'restore', summary: string, work: typeof enableAccount, done: string): Command => ({
  words: ['user', word],
  summary,
  usage: `caremail user ${word} --email ADDRESS`,
  help: [],
  options: email,
  async run({ values }, settings, io) {
    const address = requireOption(values, 'email', this.usage);
    return withDatabase(settings, async (db) => {
      const r = await work(db, await accountId(db, address), lifecycleCtx(db, settings));
      io.out(`${r.email} ${done}.`);
      return 0;
    });
  },
});

export const userEnable = simple('enable', 'End the disablement of an account.', enableAccount, 'is enabled');
export const userRestore = simple('restore', 'Restore a deleted account (within 30 days of deletion).', restoreAccount, 'is restored');

export const userMove: Command = {
  words: ['user', 'move'],
  summary: 'Move an account to another organisation (mail, address and history kept).',
  usage: 'caremail user move --email ADDRESS --org CODE [--unit NAME]',
  help: [],
  options: { ...email, org: { type: 'string' }, unit: { type: 'string' } },
  async run({ values }, settings, io) {
    const address = requireOption(values, 'email', this.usage);
    const organisationCode = requireOption(values, 'org', this.usage);
    return withDatabase(settings, async (db) => {
      const r = await moveAccount(db, await accountId(db, address), { organisationCode, unit: values.unit }, lifecycleCtx(db, settings));
      io.out(`${r.email} is now in ${r.organisation} (${r.displayName}).`);
      return 0;
    });
  },
};

export const lifecycleRun: Command = {
  words: ['lifecycle', 'run'],
  summary: 'Run the scheduled account lifecycle steps once (inactivity, leavers, deletion).',
  usage: 'caremail lifecycle run [--now ISO-DATE]',
  help: ['The service runs these itself; this is for operators and for checking what is due. --now pretends it is that time.'],
  options: { now: { type: 'string' } },
  async run({ values }, settings, io) {
    const now = typeof values.now === 'string' ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new UsageError('--now must be a date like 2026-12-01 or 2026-12-01T09:00:00Z.');
    return withDatabase(settings, async (db) => {
      const r = await runLifecycleJobs(db, outboxNotifier(db), lifecyclePolicy(settings), now);
      for (const [step, n] of Object.entries(r)) io.out(`${step.padEnd(16)} changed ${n.changed}, warned ${n.warned}`);
      return 0;
    });
  },
};

export const userSync: Command = {
  words: ['user', 'sync'],
  summary: 'Create and update accounts from a CSV file (ExternalSyncID matches existing accounts; all or nothing).',
  usage: 'caremail user sync <file.csv> --org CODE',
  help: [
    'Rows whose external_sync_id matches an account in the organisation (or below it) update it; other rows create accounts.',
    'Prints the result file (line, action, email, temporary_password).',
  ],
  options: { org: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, settings, io) {
    const code = requireOption(values, 'org', this.usage);
    const text = await readInput(positionals[0]);
    return withDatabase(settings, async (db) => {
      const org = await findOrganisationByCode(db, code);
      if (!org) throw new UsageError(`There is no organisation with code ${code.toUpperCase()}.`);
      const c = { actor: operatorActor(), frontDoor: 'cli' as const, domain: settings.domain };
      const jobId = await startBulkJob(db, org.id, c);
      await runBulkJob(db, jobId, org.id, text, c);
      const job = (await getBulkJob(db, jobId))!;
      if (job.state !== 'done') {
        for (const p of job.problems) io.err(`  line ${p.line}${p.field ? ` (${p.field})` : ''}: ${p.message}`);
        io.err(`${job.problems.length} problem${job.problems.length === 1 ? '' : 's'} found; nothing was changed.`);
        return 1;
      }
      io.out(job.result_csv!.trimEnd());
      io.err(`${job.created_count} created, ${job.updated_count} updated.`);
      return 0;
    });
  },
};
