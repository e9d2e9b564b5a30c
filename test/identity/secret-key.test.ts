import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSettings } from '../../src/config/settings.ts';
import { deriveKeys, mac, open, seal, SECRET_KEY_FILE, secretKeysFor } from '../../src/identity/secret-key.ts';

test('sealed values open only with the same key and the same context', () => {
  const keys = deriveKeys(Buffer.alloc(32, 9));
  const sealed = seal(keys, 'Lighthouse', 'account-secret:a');
  assert.notEqual(seal(keys, 'Lighthouse', 'account-secret:a'), sealed, 'a fresh nonce each time');
  assert.equal(open(keys, sealed, 'account-secret:a'), 'Lighthouse');
  assert.throws(() => open(keys, sealed, 'account-secret:b'));
  assert.throws(() => open(deriveKeys(Buffer.alloc(32, 8)), sealed, 'account-secret:a'));
  assert.equal(mac(keys, 'x'), mac(keys, 'x'));
  assert.notEqual(mac(keys, 'x'), mac(deriveKeys(Buffer.alloc(32, 8)), 'x'));
});

test('without CAREMAIL_SECRET_KEY a key is made once in the data folder and kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'caremail-key-'));
  try {
    const a = secretKeysFor({ secretKey: undefined, dataDir: dir });
    const file = readFileSync(join(dir, SECRET_KEY_FILE), 'utf8').trim();
    assert.equal(Buffer.from(file, 'base64').length, 32);
    assert.equal(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777, 0o600);
    assert.deepEqual(deriveKeys(Buffer.from(file, 'base64')), a);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CAREMAIL_SECRET_KEY must be 32 bytes of base64', () => {
  assert.throws(() => loadSettings({ CAREMAIL_SECRET_KEY: 'dG9vIHNob3J0' }), /CAREMAIL_SECRET_KEY: must be 32 random bytes/);
  const key = Buffer.alloc(32, 1).toString('base64');
  assert.equal(loadSettings({ CAREMAIL_SECRET_KEY: key }).secretKey, key);
});
