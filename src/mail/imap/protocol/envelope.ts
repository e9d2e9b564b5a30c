/**
 * ENVELOPE (RFC 3501 7.4.2). The store parses headers once at delivery and
 * keeps this shape; the writer only decides quoting. Header values stay as
 * they appeared in the message (encoded-words are not decoded), as the RFC asks.
 */
import type { Wire } from './wire-strings.ts';

export interface Address {
  /** Display name, or null. */
  name: string | null;
  /** Source route (obsolete); almost always null. */
  adl?: string | null;
  /** Local part. */
  mailbox: string | null;
  host: string | null;
}

/** RFC 5322 group syntax; written as the start/end markers IMAP uses. */
export interface AddressGroup {
  group: string;
  members: Address[];
}

export type AddressEntry = Address | AddressGroup;

export interface Envelope {
  date: string | null;
  subject: string | null;
  from: AddressEntry[] | null;
  sender: AddressEntry[] | null;
  replyTo: AddressEntry[] | null;
  to: AddressEntry[] | null;
  cc: AddressEntry[] | null;
  bcc: AddressEntry[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

export function isGroup(a: AddressEntry): a is AddressGroup {
  return 'group' in a;
}

/** RFC 3501: a missing Sender or Reply-To is reported as a copy of From. */
export function withEnvelopeDefaults(env: Envelope): Envelope {
  const empty = (l: AddressEntry[] | null): boolean => !l || l.length === 0;
  return {
    ...env,
    sender: empty(env.sender) ? env.from : env.sender,
    replyTo: empty(env.replyTo) ? env.from : env.replyTo,
  };
}

function writeAddress(w: Wire, a: Address): void {
  w.text('(').nstring(a.name).text(' ').nstring(a.adl ?? null).text(' ').nstring(a.mailbox).text(' ').nstring(a.host).text(')');
}

function writeAddressList(w: Wire, list: AddressEntry[] | null): void {
  if (!list || list.length === 0) {
    w.text('NIL');
    return;
  }
  w.text('(');
  for (const entry of list) {
    if (isGroup(entry)) {
      writeAddress(w, { name: null, mailbox: entry.group, host: null });
      for (const m of entry.members) writeAddress(w, m);
      writeAddress(w, { name: null, mailbox: null, host: null });
    } else {
      writeAddress(w, entry);
    }
  }
  w.text(')');
}

export function writeEnvelope(w: Wire, env: Envelope): void {
  w.text('(').nstring(env.date).text(' ').nstring(env.subject);
  for (const list of [env.from, env.sender, env.replyTo, env.to, env.cc, env.bcc]) {
    w.text(' ');
    writeAddressList(w, list);
  }
  w.text(' ').nstring(env.inReplyTo).text(' ').nstring(env.messageId).text(')');
}
