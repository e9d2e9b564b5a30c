import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkAccountSecret,
  checkSecretCharacters,
  pickSecretPositions,
  type AccountSecretContext,
} from '../../../src/identity/policy/account-secret.ts';

const ctx: AccountSecretContext = {
  firstName: 'Siobhán',
  lastName: 'Kowalski',
  organisationName: 'Leeds Teaching Hospitals NHS Trust',
  organisationShortName: 'LTHT',
  isRecentSecret: false,
};

const rules = (secret: string, c: AccountSecretContext = ctx) => checkAccountSecret(secret, c).problems.map((p) => p.rule);

const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

describe('checkAccountSecret', () => {
  it('accepts 9 or more letters', () => {
    assert.deepEqual(checkAccountSecret('Marmalade', ctx), { ok: true, problems: [] });
    assert.deepEqual(rules('GreenPenguinParade'), []);
  });

  it('must be longer than 8 characters', () => {
    assert.deepEqual(checkAccountSecret('Marmalad', ctx).problems, [
      { rule: 'too_short', message: 'Account secret must be 9 letters or more. Add more letters.' },
    ]);
  });

  it('must be letters A to Z only', () => {
    const message = 'Account secret must only include letters a to z. Remove any numbers, spaces or symbols.';
    for (const secret of ['Marmalade1', 'Marma lade', 'Marma-lade', 'Marmaladé']) {
      assert.deepEqual(checkAccountSecret(secret, ctx).problems, [{ rule: 'not_letters', message }], secret);
    }
  });

  it('must not contain the first or last name, in any case or with accents ignored', () => {
    const message = 'Account secret must not contain your first name or last name. Choose a word without your name in it.';
    assert.deepEqual(checkAccountSecret('mySIOBHANcat', ctx).problems, [{ rule: 'contains_name', message }]);
    assert.deepEqual(rules('KowalskiCat'), ['contains_name']);
    assert.deepEqual(rules('KowalskCat'), []);
  });

  it('ignores names shorter than 3 letters', () => {
    assert.deepEqual(rules('Jovialpenguin', { ...ctx, firstName: 'Jo' }), []);
  });

  it("must not contain the organisation's name or short name, compared on letters only", () => {
    const message = "Account secret must not contain your organisation's name. Choose a word without it.";
    assert.deepEqual(checkAccountSecret('ilovelthtwork', ctx).problems, [{ rule: 'contains_organisation', message }]);
    assert.deepEqual(rules('xLeedsTeachingHospitalsNHSTrustx'), ['contains_organisation']);
    const stMarys: AccountSecretContext = { ...ctx, organisationName: "St Mary's Surgery", organisationShortName: 'St-M' };
    assert.deepEqual(rules('stmaryssurgeryrocks', stMarys), ['contains_organisation']);
    assert.deepEqual(rules('waterstmx', stMarys), ['contains_organisation']);
    // Single common words of a long name are not blocked on their own.
    assert.deepEqual(rules('LeedsHospitalPenguin'), []);
  });

  it('must not be one of the last 5', () => {
    assert.deepEqual(checkAccountSecret('Marmalade', { ...ctx, isRecentSecret: true }).problems, [
      {
        rule: 'recently_used',
        message: 'Account secret must not be one of your last 5 account secrets. Choose one you have not used before.',
      },
    ]);
  });

  it('reports every problem at once', () => {
    assert.deepEqual(rules('lTHt 1', { ...ctx, isRecentSecret: true }), [
      'not_letters',
      'too_short',
      'contains_organisation',
      'recently_used',
    ]);
  });

  it('property: random letters of length 9 or more without the names pass', () => {
    const name = fc.string({ unit: fc.constantFrom(...letters), minLength: 3, maxLength: 10 });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...letters), minLength: 9, maxLength: 40 }),
        name,
        name,
        name,
        name,
        (secret, firstName, lastName, organisationName, organisationShortName) => {
          const lower = secret.toLowerCase();
          fc.pre(![firstName, lastName, organisationName, organisationShortName].some((n) => lower.includes(n.toLowerCase())));
          const result = checkAccountSecret(secret, {
            firstName,
            lastName,
            organisationName,
            organisationShortName,
            isRecentSecret: false,
          });
          assert.deepEqual(result, { ok: true, problems: [] });
        },
      ),
    );
  });
});

describe('secret character check', () => {
  it('picks 3 distinct positions within the secret', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 64 }), (length) => {
        const positions = pickSecretPositions(length);
        assert.equal(positions.length, 3);
        assert.equal(new Set(positions).size, 3);
        for (const p of positions) assert.ok(p >= 1 && p <= length);
      }),
    );
  });

  it('passes the right letters in any case, fails anything else', () => {
    assert.equal(checkSecretCharacters('Marmalade', [1, 4, 9], ['m', 'M', 'E']), true);
    assert.equal(checkSecretCharacters('Marmalade', [1, 4, 9], ['m', 'm', 'd']), false);
    assert.equal(checkSecretCharacters('Marmalade', [1, 4, 9], ['m', 'm']), false);
    assert.equal(checkSecretCharacters('Marmalade', [1, 4, 10], ['m', 'm', 'e']), false);
  });

  it('property: accepts exactly the letters at the picked positions', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...letters), minLength: 9, maxLength: 30 }),
        fc.nat(),
        fc.constantFrom(...letters),
        (secret, which, replacement) => {
          const positions = pickSecretPositions(secret.length);
          const right = positions.map((p) => secret[p - 1]);
          assert.equal(checkSecretCharacters(secret, positions, right), true);
          const wrong = [...right];
          const i = which % 3;
          wrong[i] = replacement;
          assert.equal(checkSecretCharacters(secret, positions, wrong), replacement.toLowerCase() === right[i].toLowerCase());
        },
      ),
    );
  });
});
