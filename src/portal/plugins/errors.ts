import type { FieldProblem } from '../../shared/errors.ts';

const LABELS: Record<string, string> = {
  organisationCode: 'Organisation',
  firstName: 'First name',
  lastName: 'Last name',
  displayName: 'Display name',
  jobTitle: 'Job title',
  jobRole: 'Job role',
  workPhone: 'Work phone',
  mobile: 'Mobile',
  externalSyncId: 'ExternalSyncID',
  email: 'Email address',
  password: 'Password',
};

export function fieldLabel(field: string): string {
  return LABELS[field] ?? field.charAt(0).toUpperCase() + field.slice(1);
}

/** Rules say "must be …"; on a page that reads "Mobile must be …". Whole sentences stay as they are. */
export function problemText(p: FieldProblem): string {
  return /^[a-z]/.test(p.message) ? `${fieldLabel(p.field)} ${p.message}` : p.message;
}

/** The NHS.UK error summary wants a list of {text, href}; each input wants its own message. */
export function errorSummary(problems: FieldProblem[]) {
  return problems.map((p) => ({ text: problemText(p), href: `#${p.field}` }));
}

export function fieldErrors(problems: FieldProblem[]): Record<string, { text: string }> {
  const out: Record<string, { text: string }> = {};
  for (const p of problems) if (!out[p.field]) out[p.field] = { text: problemText(p) };
  return out;
}
