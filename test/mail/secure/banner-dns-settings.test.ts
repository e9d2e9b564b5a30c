import { test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { simpleParser } from 'mailparser';
import { addBanner, BANNER_TEXT } from '../../../src/mail/secure/outside-banner.ts';
import { checkRecords, expectedRecords } from '../../../src/mail/secure/dns-records.ts';
import { loadSettings, SettingsError } from '../../../src/config/settings.ts';

test('the banner goes into the text and HTML parts, at the top or the bottom; attachments are untouched', async () => {
  const raw = await new MailComposer({
    from: 'a@outside.example', to: 'jane.smith@care.example', subject: 'Hi',
    text: 'Grüße aus Köln', html: '<html><body><p>Grüße aus Köln</p></body></html>',
    attachments: [{ filename: 'notes.txt', content: 'attached text stays as it is' }],
  }).compile().build();
  for (const position of ['top', 'bottom'] as const) {
    const out = await simpleParser(addBanner(raw, position));
    const text = out.text ?? '';
    const html = String(out.html);
    assert.ok(text.includes('Grüße aus Köln'), 'the text survives re-encoding');
    assert.ok(text.includes(BANNER_TEXT));
    assert.equal(text.indexOf(BANNER_TEXT) < text.indexOf('Grüße'), position === 'top');
    assert.equal(html.indexOf('originated from outside') < html.indexOf('Grüße'), position === 'top');
    assert.ok(html.indexOf('originated from outside') > html.indexOf('<body>'));
    assert.equal(out.attachments[0].content.toString(), 'attached text stays as it is');
  }
});

test('a plain 7bit message keeps its own bytes around the inserted banner', () => {
  const raw = Buffer.from('From: a@outside.example\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nLine one\r\nLine two\r\n');
  const out = addBanner(raw, 'top').toString();
  assert.match(out, /^X-Caremail-Outside-Banner: top\r\nFrom: a@outside\.example\r\nSubject: x\r\nContent-Type: text\/plain\r\n\r\nCAUTION: This message originated from outside Caremail\..*\r\n\r\nLine one\r\nLine two\r\n$/s);
});

test('the DNS check says which records match, differ or are missing', async () => {
  const expected = expectedRecords({ domain: 'care.example', mxHost: 'mail.care.example', dkim: { selector: 's1', publicKeyBase64: 'AAAA' } });
  assert.deepEqual(expected.map((r) => `${r.kind} ${r.name}`), ['MX care.example', 'SPF care.example', 'DKIM s1._domainkey.care.example', 'DMARC _dmarc.care.example']);
  const txt: Record<string, string[][]> = {
    'care.example': [['v=spf1 include:elsewhere.example ~all'], ['google-site-verification=x']],
    's1._domainkey.care.example': [['v=DKIM1; k=rsa; ', 'p=AAAA']],
  };
  const checks = await checkRecords(expected, {
    resolveMx: async () => [{ exchange: 'mail.care.example.', priority: 10 }],
    resolveTxt: async (name) => {
      if (txt[name]) return txt[name];
      throw Object.assign(new Error('none'), { code: 'ENOTFOUND' });
    },
  });
  assert.deepEqual(checks.map((c) => `${c.kind}:${c.status}`), ['MX:ok', 'SPF:different', 'DKIM:ok', 'DMARC:missing']);
  assert.match(checks[1].advice, /replace it/);
});

test('secure-messaging settings: defaults, and bad values stop the service with the setting named', () => {
  const s = loadSettings({});
  assert.deepEqual({ days: s.secure.messageDays, action: s.secure.patientDataAction, relays: s.secure.trustedRelays, key: s.secure.messageKey }, { days: 90, action: 'stop', relays: [], key: undefined });
  assert.deepEqual(loadSettings({ CAREMAIL_TRUSTED_RELAYS: '192.0.2.1, 10.0.0.0/8' }).secure.trustedRelays, ['192.0.2.1', '10.0.0.0/8']);
  assert.throws(() => loadSettings({ CAREMAIL_TRUSTED_RELAYS: '10.0.0.0/33' }), (e: unknown) => e instanceof SettingsError && /CAREMAIL_TRUSTED_RELAYS/.test(e.message));
  assert.throws(() => loadSettings({ CAREMAIL_PATIENT_DATA_ACTION: 'bounce' }), /CAREMAIL_PATIENT_DATA_ACTION/);
  assert.throws(() => loadSettings({ CAREMAIL_SECURE_MESSAGE_KEY: 'c2hvcnQ=' }), /CAREMAIL_SECURE_MESSAGE_KEY/);
});
