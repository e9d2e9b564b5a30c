/**
 * Errors a person will read: each names the field (when there is one) and says
 * what is wrong and what to do. Front doors turn them into an error summary, a
 * JSON problem, or a line on the terminal.
 */
export type FieldProblem = { field: string; message: string };

export class ValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

export type RowProblem = { line: number; field?: string; message: string };

/** A file with bad rows: every bad row is reported, and nothing was written. */
export class ImportRejectedError extends Error {
  constructor(readonly rows: RowProblem[]) {
    super(`${rows.length} problem${rows.length === 1 ? '' : 's'} found; nothing was imported.`);
  }
}

export class NotFoundError extends Error {}
export class ConflictError extends Error {}

/** zod issues to field problems, one per field (the first rule broken), as the error summary pattern wants. */
export function zodProblems(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): FieldProblem[] {
  const seen = new Set<string>();
  const out: FieldProblem[] = [];
  for (const i of issues) {
    const field = i.path.map(String).join('.') || 'input';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: i.message });
  }
  return out;
}
