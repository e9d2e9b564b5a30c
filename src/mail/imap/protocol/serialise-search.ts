/**
 * Writes search keys back to wire form, for the command serialiser.
 * Strings are written as UTF-8; callers with non-ASCII text should use
 * CHARSET UTF-8 (the only charset IMAP4rev2 requires).
 */
import { formatSearchDate } from './datetime.ts';
import type { SearchKey } from './search-keys.ts';
import { formatSequenceSet } from './sequence-set.ts';
import type { Wire } from './wire-strings.ts';

export function writeSearchKey(w: Wire, k: SearchKey): void {
  switch (k.key) {
    case 'BCC':
    case 'BODY':
    case 'CC':
    case 'FROM':
    case 'SUBJECT':
    case 'TEXT':
    case 'TO':
      w.text(`${k.key} `).astring(k.value);
      return;
    case 'KEYWORD':
    case 'UNKEYWORD':
      w.text(`${k.key} ${k.flag}`);
      return;
    case 'BEFORE':
    case 'ON':
    case 'SINCE':
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE':
      w.text(`${k.key} ${formatSearchDate(k.date)}`);
      return;
    case 'HEADER':
      w.text('HEADER ').astring(k.field).text(' ').astring(k.value);
      return;
    case 'LARGER':
    case 'SMALLER':
      w.text(`${k.key} ${k.size}`);
      return;
    case 'OLDER':
    case 'YOUNGER':
      w.text(`${k.key} ${k.seconds}`);
      return;
    case 'UID':
      w.text(`UID ${formatSequenceSet(k.sequence)}`);
      return;
    case 'SEQUENCE':
      w.text(formatSequenceSet(k.sequence));
      return;
    case 'MODSEQ':
      w.text('MODSEQ ');
      if (k.entry) w.quoted(k.entry.name).text(` ${k.entry.type} `);
      w.text(String(k.modseq));
      return;
    case 'NOT':
      w.text('NOT ');
      writeSearchKey(w, k.operand);
      return;
    case 'OR':
      w.text('OR ');
      writeSearchKey(w, k.left);
      w.text(' ');
      writeSearchKey(w, k.right);
      return;
    case 'AND':
      w.text('(');
      writeSearchKeys(w, k.operands);
      w.text(')');
      return;
    default:
      w.text(k.key);
  }
}

export function writeSearchKeys(w: Wire, keys: SearchKey[]): void {
  keys.forEach((k, i) => {
    if (i) w.text(' ');
    writeSearchKey(w, k);
  });
}
