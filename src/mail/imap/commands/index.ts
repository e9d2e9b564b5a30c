/**
 * Every command the server knows, by the name the parser gives it. One file
 * per command; the dispatcher checks each one's states before calling it.
 */
import type { CommandName } from '../protocol/index.ts';
import type { CommandSpec } from '../server/types.ts';
import { append } from './append.ts';
import { authenticate } from './authenticate.ts';
import { capability } from './capability.ts';
import { check } from './check.ts';
import { close } from './close.ts';
import { copy } from './copy.ts';
import { create } from './create.ts';
import { del } from './delete.ts';
import { enable } from './enable.ts';
import { expunge } from './expunge.ts';
import { fetch } from './fetch.ts';
import { getquota } from './getquota.ts';
import { getquotaroot } from './getquotaroot.ts';
import { id } from './id.ts';
import { idle } from './idle.ts';
import { list, lsub } from './list.ts';
import { login } from './login.ts';
import { logout } from './logout.ts';
import { move } from './move.ts';
import { namespace } from './namespace.ts';
import { noop } from './noop.ts';
import { rename } from './rename.ts';
import { search } from './search.ts';
import { select } from './select.ts';
import { setquota } from './setquota.ts';
import { sort } from './sort.ts';
import { starttls } from './starttls.ts';
import { status } from './status.ts';
import { store } from './store.ts';
import { subscribe } from './subscribe.ts';
import { thread } from './thread.ts';
import { unselect } from './unselect.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySpec = CommandSpec<any>;

export const COMMANDS: Partial<Record<CommandName, AnySpec>> = {
  CAPABILITY: capability, NOOP: noop, LOGOUT: logout, STARTTLS: starttls, AUTHENTICATE: authenticate, LOGIN: login,
  SELECT: select, EXAMINE: select, CREATE: create, DELETE: del, RENAME: rename, SUBSCRIBE: subscribe, UNSUBSCRIBE: subscribe,
  LIST: list, LSUB: lsub, STATUS: status, APPEND: append, CHECK: check, CLOSE: close, UNSELECT: unselect, EXPUNGE: expunge,
  SEARCH: search, FETCH: fetch, STORE: store, COPY: copy, MOVE: move, IDLE: idle, NAMESPACE: namespace, ENABLE: enable, ID: id,
  GETQUOTA: getquota, GETQUOTAROOT: getquotaroot, SETQUOTA: setquota, SORT: sort, THREAD: thread,
};
