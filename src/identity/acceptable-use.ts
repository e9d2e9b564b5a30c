import { readFileSync } from 'node:fs';

/**
 * The Acceptable Use Policy is a document in the repository
 * (docs/acceptable-use-policy.md); its "Version:" line says which version a
 * person accepted. Changing the text means changing the version.
 */
const path = new URL('../../docs/acceptable-use-policy.md', import.meta.url);

export type AcceptableUsePolicy = { version: string; text: string };

let loaded: AcceptableUsePolicy | undefined;

export function acceptableUsePolicy(): AcceptableUsePolicy {
  if (loaded) return loaded;
  const text = readFileSync(path, 'utf8');
  const version = text.match(/^Version:\s*(\S+)/m)?.[1];
  if (!version) throw new Error('docs/acceptable-use-policy.md needs a "Version: …" line.');
  loaded = { version, text };
  return loaded;
}
