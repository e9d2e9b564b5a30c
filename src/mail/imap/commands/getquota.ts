import { mailboxUsage } from '../../store/index.ts';
import { quota, type GetQuotaCommand } from '../protocol/index.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';
import { quotaResources, QUOTA_ROOT } from './getquotaroot.ts';

/** GETQUOTA (RFC 9208): the account's one quota root, "". */
export const getquota: CommandSpec<GetQuotaCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    if (cmd.root !== QUOTA_ROOT) return no(`There is no quota root called ${cmd.root}; this mailbox's root is ""`, { name: 'NONEXISTENT' });
    session.send(quota(QUOTA_ROOT, quotaResources(await mailboxUsage(ctx.db, session.accountId!))));
    return ok('GETQUOTA completed');
  },
};
