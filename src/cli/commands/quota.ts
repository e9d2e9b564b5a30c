import { decideApproval } from '../../approvals/decide.ts';
import { APPROVAL_KINDS } from '../../approvals/kinds.ts';
import { listPendingApprovals } from '../../approvals/requests.ts';
import { findAccountByEmail } from '../../directory/accounts.ts';
import { operatorActor } from '../../identity/actor.ts';
import { quotaState, requestEnhancedQuota, setStandardQuota } from '../../mail/quota/enhanced-quota.ts';
import { notifierFor } from '../../notify/choose.ts';
import { type Command, requireOption, UsageError } from '../command.ts';
import { withDatabase } from '../with-database.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(n < 1024 ** 3 ? 2 : 1)} GB`;
const cli = () => ({ actor: operatorActor(), frontDoor: 'cli' as const });

async function accountFor(db: Kysely<DB>, values: Record<string, string | boolean | undefined>, usage: string) {
  const email = requireOption(values, 'email', usage);
  const a = await findAccountByEmail(db, email);
  if (!a) throw new UsageError(`There is no account ${email}.`);
  return a;
}

export const quotaShow: Command = {
  words: ['quota', 'show'],
  summary: "Print an account's mailbox quota, usage and any pending raise.",
  usage: 'caremail quota show --email ADDRESS',
  help: [],
  options: { email: { type: 'string' } },
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      const a = await accountFor(db, values, this.usage);
      const s = await quotaState(db, a.id);
      io.out(`${a.email}: ${gb(s.usedBytes)} used of ${gb(s.quotaBytes)} (${s.level}), ${s.messages} messages.`);
      if (s.pending) io.out(`Pending: a raise to 50 GB asked by ${s.pending.requested_by_label} (request ${s.pending.id}).`);
      return 0;
    });
  },
};

export const quotaRequest: Command = {
  words: ['quota', 'request'],
  summary: 'Ask for the enhanced mailbox quota (50 GB); it applies once approved by someone else.',
  usage: 'caremail quota request --email ADDRESS --reason TEXT',
  help: ['The request waits for someone with the Authorisations role (Portal, API or `caremail approval approve`).'],
  options: { email: { type: 'string' }, reason: { type: 'string' } },
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      const a = await accountFor(db, values, this.usage);
      const r = await requestEnhancedQuota(db, a.id, requireOption(values, 'reason', this.usage), cli());
      io.out(`Asked for the enhanced quota for ${a.email}; request ${r.id} is pending approval.`);
      return 0;
    });
  },
};

export const quotaStandard: Command = {
  words: ['quota', 'standard'],
  summary: 'Put an account back on the standard mailbox quota (4 GB); no approval needed.',
  usage: 'caremail quota standard --email ADDRESS',
  help: ['A pending request for the enhanced quota is withdrawn.'],
  options: { email: { type: 'string' } },
  async run({ values }, settings, io) {
    return withDatabase(settings, async (db) => {
      const a = await accountFor(db, values, this.usage);
      const r = await setStandardQuota(db, a.id, cli());
      io.out(r.changed ? `${a.email} now has the standard quota.` : `${a.email} already had the standard quota.`);
      if (r.withdrawn) io.out('The pending request for the enhanced quota was withdrawn.');
      return 0;
    });
  },
};

export const approvalList: Command = {
  words: ['approval', 'list'],
  summary: 'List requests waiting for a second person.',
  usage: 'caremail approval list',
  help: [],
  async run(_args, settings, io) {
    return withDatabase(settings, async (db) => {
      const rows = await listPendingApprovals(db, operatorActor());
      if (!rows.length) io.out('Nothing is waiting for approval.');
      for (const r of rows) {
        io.out(`${r.id}  ${APPROVAL_KINDS[r.kind]?.describe(r) ?? r.kind}  (asked by ${r.requested_by_label} on ${r.requested_at.toISOString().slice(0, 10)}${r.reason ? `: ${r.reason}` : ''})`);
      }
      return 0;
    });
  },
};

function decideCommand(verb: 'approve' | 'reject'): Command {
  return {
    words: ['approval', verb],
    summary: verb === 'approve' ? 'Approve a pending request (not one you asked for).' : 'Reject a pending request, saying why.',
    usage: verb === 'approve' ? 'caremail approval approve ID [--note TEXT]' : 'caremail approval reject ID --note TEXT',
    help: ['The requester is emailed the outcome. Whoever asked for a change cannot decide it.'],
    options: { note: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals }, settings, io) {
      const note = typeof values.note === 'string' ? values.note : undefined;
      if (verb === 'reject' && !note?.trim()) throw new UsageError(`--note is required. Usage: ${this.usage}`);
      return withDatabase(settings, async (db) => {
        const r = await decideApproval(db, notifierFor(settings, db).notifier, positionals[0], { outcome: verb === 'approve' ? 'approved' : 'rejected', note }, cli());
        io.out(`Request ${r.id} ${r.status}; ${r.notify_email ? `${r.notify_email} has been emailed.` : 'the requester has no address to email.'}`);
        return 0;
      });
    },
  };
}

export const approvalApprove = decideCommand('approve');
export const approvalReject = decideCommand('reject');
