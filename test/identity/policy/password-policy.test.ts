import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkPassword,
  foldForComparison,
  passwordExpiry,
  type PasswordContext,
} from '../../../src/identity/policy/password-policy.ts';

const person: PasswordContext = { firstName: 'Aisha', lastName: 'Okafor', kind: 'person', isRecentPassword: false };
const app: PasswordContext = { ...person, kind: 'application' };

const rules = (candidate: string, ctx: PasswordContext = person) => checkPassword(candidate, ctx).problems.map((p) => p.rule);

describe('checkPassword', () => {
  it('accepts a long password with no forced mix of character types', () => {
    assert.deepEqual(checkPassword('tangerinefoxglove', person), { ok: true, problems: [] });
    assert.deepEqual(checkPassword('plum-kettle-orbit-42', person), { ok: true, problems: [] });
  });

  it('needs 10 characters for a person, with the exact message', () => {
    assert.deepEqual(checkPassword('Xk9#mPq2v', person), {
      ok: false,
      problems: [
        {
          rule: 'too_short',
          message: 'Password must be 10 characters or more. Try joining 3 or more random words together.',
        },
      ],
    });
    assert.deepEqual(rules('Xk9#mPq2vL'), []);
  });

  it('needs 20 characters for an application account', () => {
    const nineteen = 'tangerinefoxglove42';
    assert.equal(nineteen.length, 19);
    assert.deepEqual(checkPassword(nineteen, app).problems, [
      {
        rule: 'too_short',
        message: 'Password must be 20 characters or more. Try joining 3 or more random words together.',
      },
    ]);
    assert.deepEqual(rules(`${nineteen}x`, app), []);
  });

  it('counts characters as a person sees them, not UTF-16 units', () => {
    assert.deepEqual(rules('🐢🐢🐢🐢🐢kett'), ['too_short']); // 9 characters, 14 UTF-16 units
    assert.deepEqual(rules('🐢🐢🐢🐢🐢kettl'), []); // 10
  });

  it('refuses spaces and any other whitespace', () => {
    const message = 'Password must not contain spaces. Remove the spaces, or join the words together.';
    assert.deepEqual(checkPassword('plum kettle orbit', person).problems, [{ rule: 'has_space', message }]);
    assert.deepEqual(rules('plum\tkettle\torbit'), ['has_space']);
    assert.deepEqual(rules('plumkettle\u00a0orbit'), ['has_space']);
    assert.deepEqual(rules('plumkettleorbit'), []);
  });

  it('refuses the first or last name in any case', () => {
    const message = 'Password must not contain your first name or last name. Choose a password without your name in it.';
    assert.deepEqual(checkPassword('myAISHAkettle', person).problems, [{ rule: 'contains_name', message }]);
    assert.deepEqual(rules('kettle-okafor-9'), ['contains_name']);
    assert.deepEqual(rules('kettle-okafo-9'), []);
  });

  it('ignores accents on either side', () => {
    const zoe: PasswordContext = { ...person, firstName: 'Zoë', lastName: 'Núñez' };
    assert.deepEqual(rules('zoeplumkettle', zoe), ['contains_name']);
    assert.deepEqual(rules('ZOËplumkettle', zoe), ['contains_name']);
    assert.deepEqual(rules('kettleNUNEZ77', zoe), ['contains_name']);
    assert.deepEqual(rules('zoëkettle99', { ...person, firstName: 'Zoe' }), ['contains_name']);
    // Decomposed input (e + combining diaeresis) folds the same way.
    assert.deepEqual(rules('zoe\u0308kettle99', { ...person, firstName: 'Zoë' }), ['contains_name']);
    assert.deepEqual(rules('plumkettleorbit', zoe), []);
  });

  it('ignores names shorter than 3 characters', () => {
    const jo: PasswordContext = { ...person, firstName: 'Jo', lastName: 'Ng' };
    assert.deepEqual(rules('jokettleplum9', jo), []);
    assert.deepEqual(rules('ngkettleplum9', jo), []);
    assert.deepEqual(rules('jokettleplum9', { ...jo, firstName: 'Joe' }), []);
    assert.deepEqual(rules('joekettleplum9', { ...jo, firstName: 'Joe' }), ['contains_name']);
  });

  it('checks each part of a name with several parts', () => {
    const double: PasswordContext = { ...person, firstName: 'Mary Ann', lastName: "Smith-O'Brien" };
    assert.deepEqual(rules('obrienkettle1', double), ['contains_name']);
    assert.deepEqual(rules('kettlesmith77', double), ['contains_name']);
    assert.deepEqual(rules('maryannkettle', double), ['contains_name']);
    assert.deepEqual(rules('plumkettleorbit', double), []);
  });

  it('refuses one of the last 4 passwords', () => {
    assert.deepEqual(checkPassword('plumkettleorbit', { ...person, isRecentPassword: true }).problems, [
      {
        rule: 'recently_used',
        message: 'Password must not be one of your last 4 passwords. Choose a password you have not used before.',
      },
    ]);
  });

  it('refuses common and breached passwords whatever their case', () => {
    const message =
      'This password is too common and easy to guess. Choose a different password, for example 3 random words joined together.';
    assert.deepEqual(checkPassword('password123', person).problems, [{ rule: 'common', message }]);
    assert.deepEqual(rules('qwertyuiop'), ['common']);
    assert.deepEqual(rules('PassWord123'), ['common']);
  });

  it('returns every failing rule at once, in a stable order', () => {
    const ctx: PasswordContext = { ...person, firstName: 'Pass', isRecentPassword: true };
    assert.deepEqual(rules('pass word', ctx), ['too_short', 'has_space', 'contains_name', 'recently_used']);
    assert.deepEqual(rules('password', ctx), ['too_short', 'contains_name', 'recently_used', 'common']);
  });

  it('property: ok exactly when there are no problems', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.boolean(), (candidate, recent) => {
        const result = checkPassword(candidate, { ...person, isRecentPassword: recent });
        assert.equal(result.ok, result.problems.length === 0);
        assert.equal(result.problems.some((p) => p.rule === 'recently_used'), recent);
      }),
    );
  });
});

describe('foldForComparison', () => {
  it('lower-cases and strips accents', () => {
    assert.equal(foldForComparison('Zoë NÚÑEZ-Çelik'), 'zoe nunez-celik');
  });
});

describe('passwordExpiry', () => {
  const changedAt = new Date('2024-01-01T09:00:00Z');
  const day = 24 * 60 * 60 * 1000;
  const at = (ms: number) => new Date(ms);
  const expiresAt = new Date('2024-12-31T09:00:00Z'); // 2024 is a leap year: 365 days on

  it('expires 365 days after the change', () => {
    assert.deepEqual(passwordExpiry(changedAt, changedAt, {}), {
      expiresAt,
      daysLeft: 365,
      expired: false,
      reminderDue: null,
    });
  });

  it('is due a reminder 18, 10, 5, 2 and 1 days before, and on no other day', () => {
    const due: number[] = [];
    for (let d = 365; d >= 1; d--) {
      const r = passwordExpiry(changedAt, at(expiresAt.getTime() - d * day), {});
      assert.equal(r.daysLeft, d);
      if (r.reminderDue !== null) due.push(r.reminderDue);
    }
    assert.deepEqual(due, [18, 10, 5, 2, 1]);
  });

  it('rounds part days up, so a few hours before expiry is 1 day left', () => {
    const r = passwordExpiry(changedAt, at(expiresAt.getTime() - 3 * 60 * 60 * 1000), {});
    assert.deepEqual([r.daysLeft, r.expired, r.reminderDue], [1, false, 1]);
    assert.equal(passwordExpiry(changedAt, at(expiresAt.getTime() - 17.5 * day), {}).reminderDue, 18);
  });

  it('has expired from the expiry moment on', () => {
    for (const now of [expiresAt, at(expiresAt.getTime() + 40 * day)]) {
      assert.deepEqual(passwordExpiry(changedAt, now, {}), { expiresAt, daysLeft: 0, expired: true, reminderDue: null });
    }
  });

  it('takes other periods and reminder days from settings', () => {
    const settings = { expiryDays: 90, reminderDays: [14, 3] };
    const r = passwordExpiry(changedAt, at(changedAt.getTime() + 76 * day), settings);
    assert.deepEqual(r, { expiresAt: at(changedAt.getTime() + 90 * day), daysLeft: 14, expired: false, reminderDue: 14 });
    assert.equal(passwordExpiry(changedAt, at(changedAt.getTime() + 80 * day), settings).reminderDue, null);
    assert.equal(passwordExpiry(changedAt, at(expiresAt.getTime() - 18 * day), { reminderDays: [] }).reminderDue, null);
  });

  it('refuses invalid dates', () => {
    assert.throws(() => passwordExpiry(new Date('nope'), changedAt), RangeError);
  });
});
