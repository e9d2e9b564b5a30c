/**
 * The one place that decides whether a command may run now: it checks the
 * session state and what the session's ENABLE ruled out, runs the command's
 * handler, tells the client what other sessions changed in the selected
 * mailbox, then writes the tagged reply.
 */
import { tagged, type Command } from '../protocol/index.ts';
import { COMMANDS } from '../commands/index.ts';
import { refusalFor } from './enabled-limits.ts';
import { resultForError } from './errors.ts';
import { sendUpdates } from './updates.ts';
import type { Session } from './session.ts';
import { bad, type CommandResult, type ImapContext, type SessionState } from './types.ts';

const STATE_TEXT: Record<SessionState, string> = {
  notAuthenticated: 'before signing in',
  authenticated: 'without a selected mailbox',
  selected: 'with a mailbox selected',
  logout: 'after LOGOUT',
};

/** Runs one command; resolves with the status written, so the connection can count BAD replies. */
export async function dispatch(cmd: Command, session: Session, ctx: ImapContext): Promise<CommandResult['status']> {
  const name = commandName(cmd);
  const spec = COMMANDS[cmd.name];
  let result: CommandResult;
  const refusal = spec ? refusalFor(cmd, session) : null;
  if (!spec) result = bad(`${name} is not supported by this server`);
  else if (!spec.states.includes(session.state)) {
    result = bad(`${name} is not allowed ${STATE_TEXT[session.state]}${session.state === 'notAuthenticated' ? '; sign in first with LOGIN or AUTHENTICATE' : session.state === 'authenticated' ? '; SELECT a mailbox first' : ''}`);
  } else if (refusal) {
    result = bad(refusal);
  } else {
    try {
      result = await (spec.handler as (c: Command, s: Session, x: ImapContext) => Promise<CommandResult>)(cmd, session, ctx);
    } catch (err) {
      result = resultForError(err, ctx.log, name);
    }
  }
  if (session.transport.closed) return result.status;
  await sendUpdates(session, ctx, result.expungeAllowed ?? !holdsExpunges(cmd), result.changedFolder || cmd.name === 'NOOP' || cmd.name === 'CHECK' || cmd.name === 'IDLE');
  session.send(tagged(cmd.tag, result.status, result.text, result.code));
  session.transport.flush();
  if (result.after) await result.after();
  return result.status;
}

/** RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH by sequence number. */
function holdsExpunges(cmd: Command): boolean {
  if (cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH' || cmd.name === 'SORT' || cmd.name === 'THREAD') return !cmd.uid;
  return false;
}

function commandName(cmd: Command): string {
  return 'uid' in cmd && cmd.uid && cmd.name !== 'EXPUNGE' ? `UID ${cmd.name}` : cmd.name === 'EXPUNGE' && cmd.uid ? 'UID EXPUNGE' : cmd.name;
}
