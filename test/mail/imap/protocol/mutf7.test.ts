import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapParseError, decodeMailboxName, encodeMailboxName } from '../../../../src/mail/imap/protocol/index.ts';

test('RFC 3501 5.1.3 examples', () => {
  assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
  assert.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
  assert.equal(decodeMailboxName('&Jjo-!'), '☺!');
  assert.equal(decodeMailboxName('&U,BTF2XlZyyKng-'), '台北日本語');
});

test('ampersand, astral characters and control characters', () => {
  assert.equal(encodeMailboxName('Tom & Jerry'), 'Tom &- Jerry');
  assert.equal(decodeMailboxName('Tom &- Jerry'), 'Tom & Jerry');
  assert.equal(decodeMailboxName(encodeMailboxName('📧 Inbox')), '📧 Inbox');
  assert.equal(encodeMailboxName('a\tb'), 'a&AAk-b');
  assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
});

test('raw UTF-8 names pass through (clients that skip the encoding)', () => {
  assert.equal(decodeMailboxName('Entwürfe'), 'Entwürfe');
});

test('invalid forms are refused with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['&Jjo!', /not closed/],
    ['&U,BTFw-&ZeVnLIqe-', /two encoded sections in a row/],
    ['&AGE-', /printable ASCII must not be encoded/],
    ['&2D0-', /unpaired UTF-16 surrogate/],
    ['&A!-', /not allowed in an encoded section/],
    ['&AOQ=-', /not allowed/],
    ['&AO-', /not whole UTF-16|stray bits/],
    ['a\u0001b', /control characters/],
  ];
  for (const [wire, reason] of cases) {
    assert.throws(() => decodeMailboxName(wire), (e: unknown) => e instanceof ImapParseError && reason.test(e.reason), wire);
  }
});
