// The list of common and breached passwords (data-files/README.md says where it
// comes from). It is read on first use rather than at import, so code that
// never checks a password does not pay for ~400,000 strings in memory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const LIST_FILE = fileURLToPath(new URL('../../../data-files/common-passwords.txt.gz', import.meta.url));

let entries: Set<string> | undefined;

function load(): Set<string> {
  if (!entries) {
    const text = gunzipSync(readFileSync(LIST_FILE)).toString('utf8');
    entries = new Set(text.split('\n').filter((line) => line !== ''));
  }
  return entries;
}

/** The list is stored lower-cased and NFC-normalised; fold the candidate the same way. */
export function isCommonPassword(candidate: string): boolean {
  return load().has(candidate.normalize('NFC').toLowerCase());
}

export function commonPasswordCount(): number {
  return load().size;
}
