/**
 * Turns what the domain throws into the reply a mail client shows its user:
 * refusals become NO with a response code clients understand, bad syntax
 * found late (a sequence set, a charset) becomes BAD, anything unexpected is
 * logged and answered NO [SERVERBUG] without the details.
 */
import type { Logger } from 'pino';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/errors.ts';
import { QuotaExceededError } from '../../store/index.ts';
import { ImapParseError, type ResponseCode } from '../protocol/index.ts';
import { bad, no, type CommandResult } from './types.ts';

export function resultForError(err: unknown, log: Logger, command: string): CommandResult {
  if (err instanceof ImapParseError) {
    const code = err.code ? ({ name: err.code } as ResponseCode) : undefined;
    return err.status === 'NO' ? no(err.reason, code) : bad(err.reason, code);
  }
  if (err instanceof QuotaExceededError) return no(err.message, { name: 'OVERQUOTA' });
  if (err instanceof NotFoundError) return no(err.message, { name: 'NONEXISTENT' });
  if (err instanceof ConflictError) return no(err.message, { name: 'ALREADYEXISTS' });
  if (err instanceof ValidationError) return no(err.problems.map((p) => p.message).join(' '), { name: 'CANNOT' });
  log.error({ err, command }, 'IMAP command failed');
  return no(`${command} failed because of a problem on the server. Try again; if it keeps happening, tell your administrator.`, { name: 'SERVERBUG' });
}
