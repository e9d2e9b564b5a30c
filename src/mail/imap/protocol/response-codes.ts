/**
 * Response codes: the bracketed part of a status response
 * (RFC 3501 7.1, RFC 5530, UIDPLUS, CONDSTORE, RFC 9051).
 */
import { formatSequenceSet, type SequenceSet } from './sequence-set.ts';
import type { Wire } from './wire-strings.ts';

/** Codes that carry no data. */
export type BareCodeName =
  | 'ALERT' | 'PARSE' | 'READ-ONLY' | 'READ-WRITE' | 'TRYCREATE' | 'TOOBIG' | 'NOMODSEQ' | 'CLOSED'
  | 'UIDNOTSTICKY' | 'UNAVAILABLE' | 'AUTHENTICATIONFAILED' | 'AUTHORIZATIONFAILED' | 'EXPIRED'
  | 'PRIVACYREQUIRED' | 'CONTACTADMIN' | 'NOPERM' | 'INUSE' | 'EXPUNGEISSUED' | 'CORRUPTION'
  | 'SERVERBUG' | 'CLIENTBUG' | 'CANNOT' | 'LIMIT' | 'OVERQUOTA' | 'ALREADYEXISTS' | 'NONEXISTENT'
  | 'HASCHILDREN' | 'NOTSAVED' | 'UNKNOWN-CTE' | 'USEATTR';

export type ResponseCode =
  | { name: BareCodeName }
  | { name: 'UIDVALIDITY' | 'UIDNEXT' | 'UNSEEN' | 'APPENDLIMIT'; value: number }
  | { name: 'HIGHESTMODSEQ'; value: bigint | number }
  | { name: 'PERMANENTFLAGS'; flags: string[] }
  | { name: 'CAPABILITY'; capabilities: string[] }
  | { name: 'BADCHARSET'; charsets?: string[] }
  /** UIDPLUS; `uids` is a set for MULTIAPPEND. */
  | { name: 'APPENDUID'; uidValidity: number; uids: SequenceSet | number }
  | { name: 'COPYUID'; uidValidity: number; source: SequenceSet; destination: SequenceSet }
  /** CONDSTORE: messages that failed UNCHANGEDSINCE. */
  | { name: 'MODIFIED'; set: SequenceSet };

export function writeResponseCode(w: Wire, code: ResponseCode): void {
  w.text(`[${code.name}`);
  switch (code.name) {
    case 'UIDVALIDITY':
    case 'UIDNEXT':
    case 'UNSEEN':
    case 'APPENDLIMIT':
    case 'HIGHESTMODSEQ':
      w.text(` ${code.value}`);
      break;
    case 'PERMANENTFLAGS':
      w.text(` (${code.flags.join(' ')})`);
      break;
    case 'CAPABILITY':
      w.text(` ${code.capabilities.join(' ')}`);
      break;
    case 'BADCHARSET':
      if (code.charsets?.length) {
        w.text(' (');
        code.charsets.forEach((c, i) => {
          if (i) w.text(' ');
          w.astring(c);
        });
        w.text(')');
      }
      break;
    case 'APPENDUID':
      w.text(` ${code.uidValidity} ${typeof code.uids === 'number' ? code.uids : formatSequenceSet(code.uids)}`);
      break;
    case 'COPYUID':
      w.text(` ${code.uidValidity} ${formatSequenceSet(code.source)} ${formatSequenceSet(code.destination)}`);
      break;
    case 'MODIFIED':
      w.text(` ${formatSequenceSet(code.set)}`);
      break;
    default:
      break;
  }
  w.text(']');
}
