import type { SetQuotaCommand } from '../protocol/index.ts';
import { SIGNED_IN, no, type CommandSpec } from '../server/types.ts';

/** SETQUOTA (RFC 9208): quotas are set by Local Administrators in the Portal, never by the mailbox's owner. */
export const setquota: CommandSpec<SetQuotaCommand> = {
  states: SIGNED_IN,
  async handler() {
    return no('Your quota is set by your Local Administrator in the Portal; ask them for more space', { name: 'NOPERM' });
  },
};
