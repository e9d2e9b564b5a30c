/**
 * IMAP dates (SEARCH "date") and date-times (APPEND / INTERNALDATE).
 *
 * A date-time keeps the client's zone offset next to the instant, because
 * INTERNALDATE is echoed back in the zone it was given.
 */
import { ImapParseError } from './errors.ts';

export interface ImapDateTime {
  date: Date;
  /** Minutes east of UTC, e.g. -420 for "-0700". */
  offsetMinutes: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toUpperCase(), i]));

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function checkDay(text: string, year: number, month: number, day: number): void {
  if (year < 1) throw new ImapParseError(`Bad date ${JSON.stringify(text)}: year out of range`);
  if (day < 1 || day > daysInMonth(year, month)) {
    throw new ImapParseError(`Bad date ${JSON.stringify(text)}: day out of range`);
  }
}

function monthOf(text: string, name: string): number {
  const m = MONTH_INDEX.get(name.toUpperCase());
  if (m === undefined) throw new ImapParseError(`Bad date ${JSON.stringify(text)}: unknown month ${JSON.stringify(name)}`);
  return m;
}

/** "1-Feb-1994" → "1994-02-01": ISO text compares and sorts correctly as a string. */
export function parseSearchDate(text: string): string {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!m) throw new ImapParseError(`Bad date ${JSON.stringify(text.slice(0, 40))}: expected d-Mon-yyyy`);
  const day = Number(m[1]);
  const month = monthOf(text, m[2]);
  const year = Number(m[3]);
  checkDay(text, year, month, day);
  return `${m[3]}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function formatSearchDate(iso: string): string {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(iso);
  if (!m) throw new ImapParseError(`Not an ISO date: ${JSON.stringify(iso)}`);
  return `${Number(m[3])}-${MONTHS[Number(m[2]) - 1]}-${m[1]}`;
}

/** "17-Jul-1996 02:44:25 -0700"; the day may be " 7", "07" or "7". */
export function parseDateTime(text: string): ImapDateTime {
  // RFC 3501 wants a space-padded day, but an unpadded one is unambiguous and clients send it
  const m = /^( [0-9]|[0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (!m) {
    throw new ImapParseError(`Bad date-time ${JSON.stringify(text.slice(0, 40))}: expected "dd-Mon-yyyy hh:mm:ss +zzzz"`);
  }
  const day = Number(m[1].trim());
  const month = monthOf(text, m[2]);
  const year = Number(m[3]);
  checkDay(text, year, month, day);
  const [hh, mm, ss, zh, zm] = [m[4], m[5], m[6], m[8], m[9]].map(Number);
  if (hh > 23 || mm > 59 || ss > 60) throw new ImapParseError(`Bad date-time ${JSON.stringify(text)}: time out of range`);
  if (zm > 59) throw new ImapParseError(`Bad date-time ${JSON.stringify(text)}: zone out of range`);
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month, day);
  utc.setUTCHours(hh, mm, Math.min(ss, 59), 0);
  return { date: new Date(utc.getTime() - offsetMinutes * 60_000), offsetMinutes };
}

export function formatDateTime(value: ImapDateTime | Date): string {
  const { date, offsetMinutes } = value instanceof Date ? { date: value, offsetMinutes: 0 } : value;
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${pad(local.getUTCFullYear(), 4)} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}
