import { getFolder, mailboxUsage, type MailboxUsage } from '../../store/index.ts';
import { quota, quotaRoot, type GetQuotaRootCommand, type QuotaResource } from '../protocol/index.ts';
import { SIGNED_IN, no, ok, type CommandSpec } from '../server/types.ts';

/** Every folder of an account shares one quota, under the root "". */
export const QUOTA_ROOT = '';

/** STORAGE is in units of 1024 octets (RFC 9208 5.1); the account has no message-count limit. */
export function quotaResources(u: MailboxUsage): QuotaResource[] {
  return [{ name: 'STORAGE', usage: Math.ceil(u.usedBytes / 1024), limit: Math.floor(u.quotaBytes / 1024) }];
}

/** GETQUOTAROOT (RFC 9208): the root of a mailbox and its quota. */
export const getquotaroot: CommandSpec<GetQuotaRootCommand> = {
  states: SIGNED_IN,
  async handler(cmd, session, ctx) {
    const folder = await getFolder(ctx.db, session.accountId!, cmd.mailbox);
    if (!folder) return no(`There is no mailbox called ${cmd.mailbox}`, { name: 'NONEXISTENT' });
    session.send(quotaRoot(cmd.mailbox, [QUOTA_ROOT]));
    session.send(quota(QUOTA_ROOT, quotaResources(await mailboxUsage(ctx.db, session.accountId!))));
    return ok('GETQUOTAROOT completed');
  },
};
