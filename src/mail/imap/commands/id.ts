import { id as idLine, type IdCommand } from '../protocol/index.ts';
import { ANY_STATE, ok, type CommandSpec } from '../server/types.ts';

/** ID (RFC 2971): remember the client's name and version for sign-in diagnostics; say who we are. */
export const id: CommandSpec<IdCommand> = {
  states: ANY_STATE,
  async handler(cmd, session) {
    const get = (k: string) => cmd.parameters?.find((p) => p.key.toLowerCase() === k)?.value ?? null;
    const name = get('name');
    if (name) session.clientName = [name, get('version')].filter(Boolean).join(' ').slice(0, 120);
    session.send(idLine([{ key: 'name', value: 'Caremail' }, { key: 'vendor', value: 'Caremail' }]));
    return ok('ID completed');
  },
};
