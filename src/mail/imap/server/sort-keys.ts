/**
 * SORT keys (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO) from the stored
 * envelope, and the "base subject" that SORT SUBJECT and THREAD compare:
 * the subject without Re:/Fwd: prefixes, list tags and (fwd) trailers.
 */
import { decodeWords } from '../../mime/parse.ts';
import type { MessageFacts } from '../../store/index.ts';
import { isGroup, type Address, type AddressEntry } from '../protocol/envelope.ts';
import type { SortCriterion } from '../protocol/index.ts';

export function baseSubject(subject: string | null): string {
  let s = decodeWords(subject ?? '').replace(/\s+/g, ' ').trim();
  for (;;) {
    const before = s;
    const wrapped = /^\[fwd:\s*(.*)\]$/i.exec(s);
    if (wrapped) s = wrapped[1].trim();
    s = s.replace(/\s*\(fwd\)$/i, '').trim();
    s = s.replace(/^(re|fwd?|aw|sv|antw)\s*(\[\d+\])?\s*:\s*/i, '').trim();
    // a [list tag] goes only when something is left after it (RFC 5256 subj-blob)
    const blob = /^\[[^\]]*\]\s*(.+)$/.exec(s);
    if (blob) s = blob[1].trim();
    if (s === before) break;
  }
  return s.toLowerCase();
}

function firstAddress(list: AddressEntry[] | null): Address | null {
  for (const e of list ?? []) {
    if (!isGroup(e)) return e;
    if (e.members.length) return e.members[0];
  }
  return null;
}

function mailboxOf(list: AddressEntry[] | null): string {
  return (firstAddress(list)?.mailbox ?? '').toLowerCase();
}

function displayOf(list: AddressEntry[] | null): string {
  const a = firstAddress(list);
  if (!a) return '';
  return (a.name ? decodeWords(a.name) : `${a.mailbox ?? ''}@${a.host ?? ''}`).toLowerCase();
}

export function sentTime(m: MessageFacts): number {
  return (m.sentDate ?? m.internalDate).getTime();
}

function keyOf(m: MessageFacts, key: SortCriterion['key']): string | number {
  switch (key) {
    case 'ARRIVAL': return m.internalDate.getTime();
    case 'DATE': return sentTime(m);
    case 'SIZE': return m.size;
    case 'SUBJECT': return baseSubject(m.envelope.subject);
    case 'FROM': return mailboxOf(m.envelope.from);
    case 'TO': return mailboxOf(m.envelope.to);
    case 'CC': return mailboxOf(m.envelope.cc);
    case 'DISPLAYFROM': return displayOf(m.envelope.from);
    case 'DISPLAYTO': return displayOf(m.envelope.to);
  }
}

/** Sorted copy; ties fall back to UID order, which is sequence order. */
export function sortMessages(messages: MessageFacts[], criteria: SortCriterion[]): MessageFacts[] {
  const keyed = messages.map((m) => ({ m, keys: criteria.map((c) => keyOf(m, c.key)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.keys[i];
      const y = b.keys[i];
      const c = x < y ? -1 : x > y ? 1 : 0;
      if (c) return criteria[i].reverse ? -c : c;
    }
    return a.m.uid - b.m.uid;
  });
  return keyed.map((k) => k.m);
}
