/**
 * What a session ruled out by what it enabled. IMAP4rev2 (RFC 9051
 * Appendix E) removed LSUB, the RFC822, RFC822.HEADER and RFC822.TEXT fetch
 * items, \Recent with its RECENT/NEW/OLD search keys and the STATUS RECENT
 * item; a session that enabled it gets BAD for them, while rev1 sessions keep
 * them all. UTF8=ACCEPT makes every string UTF-8, so a CHARSET label beside
 * it conflicts (RFC 6855 3 and its erratum 4029); RFC 6855 does not extend
 * rev2, whose SEARCH keeps CHARSET.
 */
import type { Command, SearchKey, StatusItem } from '../protocol/index.ts';
import type { Session } from './session.ts';

const RFC822_INSTEAD: Record<string, string> = {
  RFC822: 'BODY[]',
  'RFC822.HEADER': 'BODY.PEEK[HEADER]',
  'RFC822.TEXT': 'BODY[TEXT]',
};

const RECENT_KEYS = new Set(['RECENT', 'NEW', 'OLD']);

/** Why the command may not run in this session, or null when it may. */
export function refusalFor(cmd: Command, session: Session): string | null {
  if (session.rev2) {
    const removed = removedInRev2(cmd);
    if (removed) return removed;
  }
  if (session.enabled.has('UTF8=ACCEPT') && !session.rev2) return charsetConflict(cmd);
  return null;
}

function removedInRev2(cmd: Command): string | null {
  switch (cmd.name) {
    case 'LSUB':
      return 'LSUB is not part of IMAP4rev2; use LIST with RETURN (SUBSCRIBED)';
    case 'FETCH': {
      const old = cmd.attributes.find((a) => a.name in RFC822_INSTEAD);
      return old ? `${old.name} is not part of IMAP4rev2; fetch ${RFC822_INSTEAD[old.name]} instead` : null;
    }
    case 'SEARCH':
      return recentKey(cmd.criteria);
    case 'SORT':
    case 'THREAD':
      return recentKey(cmd.search);
    case 'STATUS':
      return statusRecent(cmd.items);
    case 'LIST':
      return cmd.returnOptions.status ? statusRecent(cmd.returnOptions.status) : null;
    default:
      return null;
  }
}

function recentKey(keys: SearchKey[]): string | null {
  const found = findRecentKey(keys);
  return found ? `The search key ${found} is not part of IMAP4rev2, which has no \\Recent flag` : null;
}

function findRecentKey(keys: SearchKey[]): string | null {
  for (const k of keys) {
    if (RECENT_KEYS.has(k.key)) return k.key;
    const inner = k.key === 'NOT' ? [k.operand] : k.key === 'OR' ? [k.left, k.right] : k.key === 'AND' ? k.operands : [];
    const found = inner.length ? findRecentKey(inner) : null;
    if (found) return found;
  }
  return null;
}

function statusRecent(items: StatusItem[]): string | null {
  return items.includes('RECENT') ? 'The STATUS item RECENT is not part of IMAP4rev2, which has no \\Recent flag' : null;
}

function charsetConflict(cmd: Command): string | null {
  if (cmd.name === 'SEARCH' && cmd.charset !== undefined) {
    return 'SEARCH takes no CHARSET after ENABLE UTF8=ACCEPT: its strings are UTF-8';
  }
  if ((cmd.name === 'SORT' || cmd.name === 'THREAD') && !/^(UTF-8|US-ASCII)$/i.test(cmd.charset)) {
    return `${cmd.name} strings are UTF-8 after ENABLE UTF8=ACCEPT; give the charset UTF-8`;
  }
  return null;
}
