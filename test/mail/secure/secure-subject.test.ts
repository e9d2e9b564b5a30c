import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isSecureSubject, stripSecureMarker } from '../../../src/mail/secure/secure-subject.ts';

test('[secure] anywhere, any case', () => {
  for (const s of ['[secure] Referral', 'Referral [SECURE]', 'Re: [Secure]Discharge', 'x[sEcUrE]y', '[secure]']) {
    assert.equal(isSecureSubject(s), true, s);
  }
  for (const s of ['secure', '[ secure ]', '(secure)', '[secured]', '[securе]' /* Cyrillic е */, '', 'Referral']) {
    assert.equal(isSecureSubject(s), false, s);
  }
  assert.equal(isSecureSubject(undefined), false);
  assert.equal(isSecureSubject(null), false);
});

test('stripSecureMarker', () => {
  assert.equal(stripSecureMarker('[secure] Referral'), 'Referral');
  assert.equal(stripSecureMarker('Re: [SECURE] Referral'), 'Re: Referral');
  assert.equal(stripSecureMarker('Referral [secure]'), 'Referral');
  assert.equal(stripSecureMarker('[secure][secure]x'), 'x');
  assert.equal(stripSecureMarker('No marker'), 'No marker');
});

test('property: a subject with the marker inserted is secure; stripping removes it', () => {
  fc.assert(
    fc.property(fc.string(), fc.constantFrom('[secure]', '[SECURE]', '[Secure]'), fc.string(), (a, m, b) => {
      assert.equal(isSecureSubject(a + m + b), true);
      // The marker is replaced by a space, which cannot be part of a new "[secure]".
      assert.equal(isSecureSubject(stripSecureMarker(a + m + b)), false);
    }),
  );
});
