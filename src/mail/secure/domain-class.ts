// Which recipients are already on a secure route, and the import of the accredited-domain list.
//
// Matching is exact: a subdomain of an accredited domain is NOT accredited unless it is listed
// itself. NHSmail accredits organisations per domain, and a subdomain can be run by someone else
// (e.g. an outsourced mail host), so inheriting accreditation would silently widen trust.
// Anything uncertain (malformed address, odd Unicode, expired entry, invalid date) falls to
// 'non-secure': that only means the content check runs, never that mail leaks.

import { domainToASCII } from 'node:url';
import { parse } from 'csv-parse/sync';

export type RecipientClass = 'service' | 'accredited' | 'non-secure';

export interface AccreditedDomain {
  domain: string;
  /** Last instant the accreditation holds (inclusive); null = no end date. */
  accreditedUntil: Date | null;
}

export interface ClassifyContext {
  /** Domains this service hosts. */
  serviceDomains: readonly string[];
  accreditedDomains: readonly AccreditedDomain[];
  now: Date;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const CANONICAL = /^[a-z0-9.-]+$/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
// domainToASCII percent-decodes, drops zero-width characters and maps full-width letters
// and ideographic full stops to ASCII; refusing those inputs keeps "ｎｈｓ.net" or
// "nhs.net\u200b" from being treated as nhs.net by us while a mail router might not.
const UNSAFE = /[\s\p{C}%@[\]\\/:?#\u3002\uFF0E\uFF61]/u;

/**
 * Lower-case ASCII (A-label) form of a domain, or null if it is not a plain host name.
 * One trailing dot is allowed. A Unicode label must come out as an xn-- label; one that maps
 * onto plain ASCII (a look-alike) is refused.
 */
export function normaliseDomain(input: string): string | null {
  if (typeof input !== 'string') return null;
  const d = input.endsWith('.') ? input.slice(0, -1) : input;
  if (d.length === 0 || d.length > 1000 || UNSAFE.test(d)) return null;
  const ascii = domainToASCII(d);
  if (!ascii || ascii.length > 253) return null;
  const inLabels = d.split('.');
  const outLabels = ascii.split('.');
  if (inLabels.length !== outLabels.length) return null;
  for (let i = 0; i < outLabels.length; i++) {
    const out = outLabels[i];
    if (!LABEL.test(out)) return null;
    const expected = ASCII_ONLY.test(inLabels[i]) ? inLabels[i].toLowerCase() === out : out.startsWith('xn--');
    if (!expected) return null;
  }
  // An all-numeric last label is an IPv4 address, not a mail domain we can accredit.
  if (/^[0-9]+$/.test(outLabels[outLabels.length - 1])) return null;
  return ascii;
}

const ATOM = String.raw`[^\s"(),.:;<>@[\\\]\p{C}]+`;
const DOT_ATOM_LOCAL = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const QUOTED_LOCAL = /^"(?:[^"\\\p{C}]|\\[^\p{C}])*"$/u;

/** Normalised domain of "local@domain" (optionally in angle brackets), or null if malformed. */
export function domainOfAddress(address: string): string | null {
  if (typeof address !== 'string' || address.length > 512) return null;
  let a = address.trim();
  if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1);
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  if (!DOT_ATOM_LOCAL.test(local) && !QUOTED_LOCAL.test(local)) return null;
  return normaliseDomain(a.slice(at + 1));
}

/** Null means open-ended; an invalid Date (or invalid now) counts as expired. */
export function isAccreditationCurrent(until: Date | null, now: Date): boolean {
  if (until === null) return true;
  const end = until instanceof Date ? until.getTime() : Number.NaN;
  const at = now instanceof Date ? now.getTime() : Number.NaN;
  return at <= end; // false for NaN on either side
}

// Configured lists are normally canonical already; compare directly and only normalise
// entries that could change under normalisation, so long lists stay cheap per recipient.
function matchesDomain(configured: unknown, target: string): boolean {
  if (typeof configured !== 'string') return false;
  if (configured === target) return true;
  if (CANONICAL.test(configured) && !configured.endsWith('.')) return false;
  return normaliseDomain(configured) === target;
}

export function classifyRecipient(address: string, ctx: ClassifyContext): RecipientClass {
  const domain = domainOfAddress(address);
  if (domain === null) return 'non-secure';
  if (ctx.serviceDomains.some((d) => matchesDomain(d, domain))) return 'service';
  for (const entry of ctx.accreditedDomains) {
    if (entry && matchesDomain(entry.domain, domain) && isAccreditationCurrent(entry.accreditedUntil, ctx.now)) {
      return 'accredited';
    }
  }
  return 'non-secure';
}

// ---------------------------------------------------------------------------------------------
// CSV import: header "domain,organisation,accredited_until".

export interface AccreditedDomainRow extends AccreditedDomain {
  /** 1-based line where the record starts. */
  line: number;
  organisation: string;
}

export type CsvImportErrorCode =
  | 'bad-header'
  | 'malformed-csv'
  | 'column-count'
  | 'bad-domain'
  | 'missing-organisation'
  | 'bad-date'
  | 'duplicate';

export interface CsvImportError {
  line: number;
  code: CsvImportErrorCode;
  reason: string;
}

export interface AccreditedDomainsImport {
  rows: AccreditedDomainRow[];
  errors: CsvImportError[];
}

export const ACCREDITED_CSV_HEADER = ['domain', 'organisation', 'accredited_until'] as const;

// A quoted organisation name may span lines; give up on a record after this many.
const MAX_RECORD_LINES = 10;

type RecordResult = { kind: 'ok'; fields: string[] } | { kind: 'unclosed' } | { kind: 'error'; reason: string };

// Records are parsed one at a time because csv-parse cannot resynchronise after a bad quote
// (it swallows the following rows), and every bad row must be reported with its own line.
function parseRecord(text: string): RecordResult {
  try {
    // Strict quoting: a stray quote usually means a broken export, better reported than guessed.
    const records = parse(text, { relax_column_count: true, trim: true, record_delimiter: '\n' });
    if (records.length > 1) return { kind: 'error', reason: 'the row could not be read as CSV' };
    return { kind: 'ok', fields: records[0] ?? [] };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'CSV_QUOTE_NOT_CLOSED') return { kind: 'unclosed' };
    if (code === 'CSV_INVALID_CLOSING_QUOTE') return { kind: 'error', reason: 'a quoted field has text after its closing quote' };
    if (code === 'INVALID_OPENING_QUOTE') {
      return { kind: 'error', reason: 'a field contains a double quote but is not itself in quotes; write it as "O""Brien"' };
    }
    return { kind: 'error', reason: 'the row could not be read as CSV' };
  }
}

const DATE_ONLY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DATE_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.[0-9]{1,3})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * Parse an accredited_until value. Empty = no end date. A date alone means accredited through
 * the end of that day (UTC), which is how a person reads "accredited until 31 March".
 * A date-time must carry Z or an offset so it is not read in the server's local zone.
 */
export function parseAccreditedUntil(value: string): { ok: true; value: Date | null } | { ok: false } {
  const v = value.trim();
  if (v === '') return { ok: true, value: null };
  let m = DATE_ONLY.exec(v);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!isCalendarDate(y, mo, d)) return { ok: false };
    return { ok: true, value: new Date(Date.UTC(y, mo - 1, d, 23, 59, 59, 999)) };
  }
  m = DATE_TIME.exec(v);
  if (m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return { ok: true, value: new Date(t) };
  }
  return { ok: false };
}

function checkDomainField(raw: string): { domain: string } | { reason: string } {
  const v = raw.trim();
  if (v === '') return { reason: 'the domain is empty' };
  if (v.includes('@')) return { reason: `"${v}" looks like an email address; give only the domain` };
  if (v.startsWith('*')) {
    return { reason: `"${v}" is a wildcard; accreditation is per domain, so list each domain on its own row` };
  }
  const domain = normaliseDomain(v);
  if (domain === null || !domain.includes('.')) return { reason: `"${v}" is not a valid domain name` };
  return { domain };
}

/** Parse an accredited-domains CSV. Never throws; every problem is reported with its line. */
export function parseAccreditedDomainsCsv(text: string): AccreditedDomainsImport {
  const rows: AccreditedDomainRow[] = [];
  const errors: CsvImportError[] = [];
  const source = typeof text === 'string' ? text.replace(/^\uFEFF/, '') : '';
  const lines = source.split(/\r\n|\n|\r/);

  const header = parseRecord(lines[0] ?? '');
  const headerOk =
    header.kind === 'ok' &&
    header.fields.length === ACCREDITED_CSV_HEADER.length &&
    header.fields.every((f, i) => f.trim().toLowerCase() === ACCREDITED_CSV_HEADER[i]);
  if (!headerOk) {
    errors.push({ line: 1, code: 'bad-header', reason: `the first line must be "${ACCREDITED_CSV_HEADER.join(',')}"` });
    return { rows, errors };
  }

  const firstSeen = new Map<string, number>();
  let i = 1;
  while (i < lines.length) {
    const line = i + 1;
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    let used = 1;
    let result = parseRecord(lines[i]);
    while (result.kind === 'unclosed' && used < MAX_RECORD_LINES && i + used < lines.length) {
      used++;
      result = parseRecord(lines.slice(i, i + used).join('\n'));
    }
    if (result.kind !== 'ok') {
      const reason = result.kind === 'unclosed' ? 'a quoted field is never closed' : result.reason;
      errors.push({ line, code: 'malformed-csv', reason });
      i++; // resume on the next physical line so later rows are still checked
      continue;
    }
    i += used;

    const fields = result.fields;
    if (fields.every((f) => f.trim() === '')) continue; // ",," rows from spreadsheets
    // Spreadsheets often add empty trailing columns; anything else in them is a mistake.
    if (fields.length < 3 || fields.slice(3).some((f) => f.trim() !== '')) {
      errors.push({ line, code: 'column-count', reason: `expected 3 fields, found ${fields.length}` });
      continue;
    }

    const rowErrors: CsvImportError[] = [];
    const domainCheck = checkDomainField(fields[0]);
    const organisation = fields[1].replace(/\s+/g, ' ').trim();
    const until = parseAccreditedUntil(fields[2]);
    if ('reason' in domainCheck) rowErrors.push({ line, code: 'bad-domain', reason: domainCheck.reason });
    if (organisation === '') rowErrors.push({ line, code: 'missing-organisation', reason: 'the organisation is empty' });
    if (!until.ok) {
      rowErrors.push({ line, code: 'bad-date', reason: `"${fields[2].trim()}" is not a date; use YYYY-MM-DD or leave empty` });
    }
    if ('domain' in domainCheck) {
      const earlier = firstSeen.get(domainCheck.domain);
      if (earlier !== undefined) {
        rowErrors.push({ line, code: 'duplicate', reason: `${domainCheck.domain} is already listed on line ${earlier}` });
      } else {
        firstSeen.set(domainCheck.domain, line);
      }
    }
    if (rowErrors.length > 0 || !('domain' in domainCheck) || !until.ok) {
      errors.push(...rowErrors);
      continue;
    }
    rows.push({ line, domain: domainCheck.domain, organisation, accreditedUntil: until.value });
  }
  return { rows, errors };
}
