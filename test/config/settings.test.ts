import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSettings, SettingsError } from '../../src/config/settings.ts';

test('the defaults are the operator contract', () => {
  const s = loadSettings({});
  assert.equal(s.httpPort, 8080);
  assert.equal(s.smtpPort, 2525);
  assert.equal(s.submissionPort, 5870);
  assert.equal(s.imapPort, 1143);
  assert.equal(s.domain, 'care.example');
  assert.equal(s.demo, false);
  assert.equal(s.databaseUrl, undefined);
  assert.match(s.dataDir, /data$/);
});

test('settings are read from the environment', () => {
  const s = loadSettings({ CAREMAIL_HTTP_PORT: '9000', CAREMAIL_DEMO: '1', CAREMAIL_DOMAIN: 'Mail.Trust.Example', DATABASE_URL: 'postgres://u@h:5432/d' });
  assert.equal(s.httpPort, 9000);
  assert.equal(s.demo, true);
  assert.equal(s.domain, 'mail.trust.example');
  assert.equal(s.databaseUrl, 'postgres://u@h:5432/d');
});

test('a bad setting is refused with its name and the reason', () => {
  assert.throws(() => loadSettings({ CAREMAIL_HTTP_PORT: 'eighty', CAREMAIL_DEMO: 'yes' }), (err: Error) => {
    assert.ok(err instanceof SettingsError);
    assert.match(err.message, /CAREMAIL_HTTP_PORT/);
    assert.match(err.message, /CAREMAIL_DEMO/);
    return true;
  });
  assert.throws(() => loadSettings({ CAREMAIL_DOMAIN: 'not a domain' }), /CAREMAIL_DOMAIN: must be a domain name/);
});
