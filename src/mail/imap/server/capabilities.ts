/**
 * What the server offers, by state. Before TLS, LOGIN and AUTHENTICATE are
 * disabled (LOGINDISABLED) unless the client is on this machine and the
 * service runs in demo/development mode, so passwords never cross a network
 * in clear text.
 */
import type { Session } from './session.ts';
import type { ImapOptions } from './types.ts';

const AFTER_SIGN_IN = [
  'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'UNSELECT', 'CHILDREN',
  'SPECIAL-USE', 'CREATE-SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'CONDSTORE', 'ESEARCH', 'SEARCHRES',
  'SORT', 'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT', 'QUOTA', 'QUOTA=RES-STORAGE', 'BINARY', 'UTF8=ACCEPT',
];

export function signInAllowed(session: Session, options: ImapOptions): boolean {
  return session.transport.secure || (options.demoMode && session.loopback);
}

export function capabilities(session: Session, options: ImapOptions): string[] {
  const caps = ['IMAP4rev1', 'IMAP4rev2'];
  if (session.state === 'notAuthenticated') {
    caps.push('LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE');
    if (!session.transport.secure) caps.push('STARTTLS');
    if (signInAllowed(session, options)) caps.push('AUTH=PLAIN');
    else caps.push('LOGINDISABLED');
    return caps;
  }
  caps.push(...AFTER_SIGN_IN, `APPENDLIMIT=${options.maxMessageBytes}`);
  return caps;
}
