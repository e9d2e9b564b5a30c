/**
 * Mailbox names as IMAP sees them. The store's folder names are already
 * "/"-separated paths, so they are used as they are; this file adds LIST's
 * wildcard matching and the shared namespace, which is reserved for shared
 * mailboxes.
 */
import { FOLDER_DELIMITER } from '../../store/index.ts';

export const SHARED_PREFIX = `Shared${FOLDER_DELIMITER}`;

export function inSharedNamespace(name: string): boolean {
  return name === 'Shared' || name.startsWith(SHARED_PREFIX);
}

/** LIST's reference and pattern (RFC 3501 6.3.8): "*" matches anything, "%" anything but the delimiter. */
export function listMatcher(reference: string, pattern: string): (name: string) => boolean {
  const full = reference && pattern.startsWith(FOLDER_DELIMITER) ? reference.replace(/\/+$/, '') + pattern : reference + pattern;
  let source = '';
  for (const ch of full) {
    if (ch === '*') source += '.*';
    else if (ch === '%') source += `[^${FOLDER_DELIMITER}]*`;
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const exact = new RegExp(`^${source}$`, 'u');
  const inboxish = new RegExp(`^${source}$`, 'iu');
  return (name) => exact.test(name) || ((name === 'INBOX' || name.startsWith(`INBOX${FOLDER_DELIMITER}`)) && inboxish.test(name));
}

/** Every level above each name, e.g. "A/B/C" gives "A" and "A/B". */
export function parentsOf(name: string): string[] {
  const bits = name.split(FOLDER_DELIMITER);
  const out: string[] = [];
  for (let i = 1; i < bits.length; i++) out.push(bits.slice(0, i).join(FOLDER_DELIMITER));
  return out;
}
