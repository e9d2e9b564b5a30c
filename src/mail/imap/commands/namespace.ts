import { namespace as namespaceLine, type SimpleCommand } from '../protocol/index.ts';
import { SIGNED_IN, ok, type CommandSpec } from '../server/types.ts';
import { FOLDER_DELIMITER } from '../../store/index.ts';
import { SHARED_PREFIX } from '../server/mailbox-names.ts';

/** NAMESPACE (RFC 2342): personal folders at the root, shared mailboxes under "Shared/". */
export const namespace: CommandSpec<SimpleCommand> = {
  states: SIGNED_IN,
  async handler(_cmd, session) {
    session.send(namespaceLine([{ prefix: '', delimiter: FOLDER_DELIMITER }], null, [{ prefix: SHARED_PREFIX, delimiter: FOLDER_DELIMITER }]));
    return ok('NAMESPACE completed');
  },
};
