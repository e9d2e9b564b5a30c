import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { addressesIn, checkRecipients, composeMessage, startFrom, withoutHeader } from '../../../src/mail/webmail/compose.ts';
import type { MessageView } from '../../../src/mail/webmail/message-view.ts';

test('addresses are read from a To field with names, commas and semicolons', () => {
  assert.deepEqual(addressesIn('Jane Smith <Jane.Smith@care.example>; amara.okafor@care.example, '), ['jane.smith@care.example', 'amara.okafor@care.example']);
  assert.deepEqual(checkRecipients({ to: 'not an address', cc: '', bcc: '', subject: '', body: '' }).map((p) => p.field), ['to']);
  assert.match(checkRecipients({ to: '', cc: '', bcc: '', subject: '', body: '' })[0].message, /at least one recipient/);
});

test('a draft keeps Bcc; the sent copy has it removed', async () => {
  const raw = await composeMessage({ to: 'a@care.example', cc: '', bcc: 'secret@care.example', subject: 'S', body: 'B', from: { name: 'Me', address: 'me@care.example' }, attachments: [] }, { keepBcc: true, domain: 'care.example' });
  assert.match(raw.toString(), /^Bcc: secret@care.example/m);
  const sent = withoutHeader(raw, 'bcc');
  assert.doesNotMatch(sent.toString(), /secret@care.example/);
  assert.equal((await simpleParser(sent)).subject, 'S');
});

test('reply all leaves out the writer and repeats no one', () => {
  const view = {
    subject: 'RE: Re: Plan', from: [{ name: 'Jane', address: 'jane@care.example' }], to: [{ name: '', address: 'me@care.example' }, { name: '', address: 'tom@care.example' }],
    cc: [{ name: '', address: 'jane@care.example' }, { name: '', address: 'li@care.example' }], bcc: [], replyTo: [], date: new Date(0), messageId: '<m1@x>', references: ['<m0@x>'],
    text: 'line', html: null, attachments: [], authenticationResults: [], externalBanner: null,
  } satisfies MessageView;
  const r = startFrom(view, 'replyAll', 'Me@care.example');
  assert.equal(r.to, 'Jane <jane@care.example>');
  assert.equal(r.cc, 'tom@care.example, li@care.example');
  assert.equal(r.subject, 'Re: Plan');
  assert.deepEqual(r.references, ['<m0@x>', '<m1@x>']);
  assert.match(r.body, /> line/);
});
