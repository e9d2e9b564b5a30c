/**
 * The shapes shared by the session, the dispatcher and the command files.
 * A command is `{ states, handler }` (WildDuck's pattern): the dispatcher
 * checks the state in one place, then the handler only does its work.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../../db/schema.ts';
import type { Command, ResponseCode, TaggedStatus } from '../protocol/index.ts';
import type { ChangeHub } from './change-hub.ts';
import type { UidLists } from './uid-lists.ts';
import type { Session } from './session.ts';

export type SessionState = 'notAuthenticated' | 'authenticated' | 'selected' | 'logout';

export const ANY_STATE: SessionState[] = ['notAuthenticated', 'authenticated', 'selected'];
export const SIGNED_IN: SessionState[] = ['authenticated', 'selected'];
export const SELECTED: SessionState[] = ['selected'];

export type ImapOptions = {
  /** The service's own mail domain, for the greeting. */
  hostname: string;
  /** Demo/development mode: demo passwords work, and LOGIN is allowed in clear text on loopback. */
  demoMode: boolean;
  /** A silent client is disconnected after this long (RFC 3501 asks for at least 30 minutes). */
  idleTimeoutMs: number;
  /** Consecutive BAD replies before the server says BYE. */
  maxBadCommands: number;
  /** Largest message APPEND accepts (SPEC 6: 35 MB). */
  maxMessageBytes: number;
};

export type ImapContext = {
  db: Kysely<DB>;
  hub: ChangeHub;
  /** This process's UID lists of folders selected lately (SELECT reads only what changed). */
  uidLists: UidLists;
  log: Logger;
  options: ImapOptions;
};

/** How a command ended; the dispatcher writes it after any untagged updates. */
export type CommandResult = {
  status: TaggedStatus;
  text: string;
  code?: ResponseCode;
  /** Runs after the tagged reply is written (STARTTLS starts the handshake, LOGOUT closes). */
  after?: () => Promise<void> | void;
  /** EXPUNGE responses may follow this command (never after FETCH, STORE or SEARCH by sequence number). */
  expungeAllowed?: boolean;
  /** The command changed the selected folder itself: read its changes now rather than wait for the notification. */
  changedFolder?: boolean;
};

export type CommandSpec<C extends Command = Command> = {
  states: SessionState[];
  handler: (cmd: C, session: Session, ctx: ImapContext) => Promise<CommandResult>;
};

export const ok = (text: string, code?: ResponseCode): CommandResult => ({ status: 'OK', text, ...(code ? { code } : {}) });
export const no = (text: string, code?: ResponseCode): CommandResult => ({ status: 'NO', text, ...(code ? { code } : {}) });
export const bad = (text: string, code?: ResponseCode): CommandResult => ({ status: 'BAD', text, ...(code ? { code } : {}) });
