import { ConflictError, ImportRejectedError, NotFoundError, ValidationError } from '../shared/errors.ts';
import { NotAllowedError } from '../identity/authorise.ts';
import type { CommandIO } from './command.ts';

/** Turns the domain's typed errors into lines a person at a terminal can act on; returns the exit code. */
export function reportDomainError(err: unknown, io: CommandIO): number | null {
  if (err instanceof ValidationError) {
    for (const p of err.problems) io.err(`  ${p.field}: ${p.message}`);
    io.err('Nothing was changed.');
    return 1;
  }
  if (err instanceof ImportRejectedError) {
    for (const r of err.rows) io.err(`  line ${r.line}${r.field ? ` (${r.field})` : ''}: ${r.message}`);
    io.err(err.message);
    return 1;
  }
  if (err instanceof ConflictError || err instanceof NotFoundError) {
    io.err(err.message);
    return 1;
  }
  if (err instanceof NotAllowedError) {
    io.err(err.message);
    return 1;
  }
  return null;
}
