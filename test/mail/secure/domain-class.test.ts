import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  classifyRecipient,
  domainOfAddress,
  isAccreditationCurrent,
  normaliseDomain,
  parseAccreditedDomainsCsv,
  parseAccreditedUntil,
  type ClassifyContext,
} from '../../../src/mail/secure/domain-class.ts';

const now = new Date('2025-06-01T12:00:00Z');
const ctx: ClassifyContext = {
  serviceDomains: ['caremail.nhs.uk', 'Example.NHS.net.'],
  accreditedDomains: [
    { domain: 'acme-care.co.uk', accreditedUntil: null },
    { domain: 'oldtrust.org.uk', accreditedUntil: new Date('2020-01-01T00:00:00Z') },
    { domain: 'futuretrust.org.uk', accreditedUntil: new Date('2030-01-01T00:00:00Z') },
    { domain: 'edge.org.uk', accreditedUntil: now },
    { domain: 'justgone.org.uk', accreditedUntil: new Date(now.getTime() - 1) },
    { domain: 'broken-date.org.uk', accreditedUntil: new Date('nonsense') },
    { domain: 'münchen-klinik.de', accreditedUntil: null },
    { domain: 'renewed.org.uk', accreditedUntil: new Date('2019-01-01T00:00:00Z') },
    { domain: 'renewed.org.uk', accreditedUntil: new Date('2029-01-01T00:00:00Z') },
  ],
  now,
};

test('classification table', () => {
  const table: Array<[string, string]> = [
    ['alice@caremail.nhs.uk', 'service'],
    ['ALICE@CAREMAIL.NHS.UK', 'service'],
    ['<alice@caremail.nhs.uk>', 'service'],
    ['  alice@caremail.nhs.uk  ', 'service'],
    ['alice@caremail.nhs.uk.', 'service'], // fully qualified form
    ['bob@example.nhs.net', 'service'], // configured in mixed case with a trailing dot
    ['"odd@local"@caremail.nhs.uk', 'service'],
    ['x@acme-care.co.uk', 'accredited'],
    ['X@ACME-Care.CO.UK', 'accredited'],
    ['x@futuretrust.org.uk', 'accredited'],
    ['x@renewed.org.uk', 'accredited'], // one current entry is enough
    ['x@edge.org.uk', 'accredited'], // accreditedUntil is inclusive
    ['x@münchen-klinik.de', 'accredited'],
    ['x@MÜNCHEN-KLINIK.DE', 'accredited'],
    ['x@xn--mnchen-klinik-wob.de', 'accredited'],
    // Subdomains are not covered by their parent's accreditation or our own domain.
    ['x@mail.acme-care.co.uk', 'non-secure'],
    ['x@sub.caremail.nhs.uk', 'non-secure'],
    ['x@care.co.uk', 'non-secure'],
    ['x@acme-care.co.uk.evil.com', 'non-secure'],
    ['x@oldtrust.org.uk', 'non-secure'], // expired
    ['x@justgone.org.uk', 'non-secure'], // expired a millisecond ago
    ['x@broken-date.org.uk', 'non-secure'], // invalid Date fails safe
    ['someone@gmail.com', 'non-secure'],
  ];
  for (const [address, expected] of table) assert.equal(classifyRecipient(address, ctx), expected, address);
});

test('malformed addresses are non-secure', () => {
  const malformed = [
    '',
    'no-at-sign',
    '@caremail.nhs.uk',
    'alice@',
    'alice@@caremail.nhs.uk',
    'Alice <alice@caremail.nhs.uk>',
    'alice@caremail.nhs.uk>',
    'al ice@caremail.nhs.uk',
    '.alice@caremail.nhs.uk',
    'alice..b@caremail.nhs.uk',
    'alice@[10.0.0.1]',
    'alice@10.0.0.1',
    'alice@0x7f.1',
    'alice@caremail..nhs.uk',
    'alice@-caremail.nhs.uk',
    'alice@caremail.nhs.uk..',
    'alice@caremail.nhs.uk:25',
    'alice@caremail.nhs.uk/x',
    'alice@caremail%2enhs.uk',
    'alice@ｃａｒｅｍａｉｌ.nhs.uk', // full-width look-alike that IDNA maps to ASCII
    'alice@caremail.nhs.uk\u200b', // zero-width space
    'alice@caremail\u3002nhs.uk', // ideographic full stop
    'alice@care mail.nhs.uk',
    'alice@caremail.nhs.uk\u0000',
    'alice@xn--zz.nhs.uk', // invalid punycode
    `alice@${'a'.repeat(64)}.nhs.uk`, // label too long
    `${'a'.repeat(600)}@caremail.nhs.uk`,
  ];
  for (const address of malformed) assert.equal(classifyRecipient(address, ctx), 'non-secure', JSON.stringify(address));
  for (const bad of [null, undefined, 42, {}, ['a@caremail.nhs.uk']]) {
    assert.equal(classifyRecipient(bad as unknown as string, ctx), 'non-secure');
  }
});

test('a Cyrillic look-alike of an accredited domain is not accredited', () => {
  assert.equal(classifyRecipient('x@\u0430cme-care.co.uk', ctx), 'non-secure');
  assert.match(domainOfAddress('x@\u0430cme-care.co.uk') ?? '', /^xn--/);
});

test('normaliseDomain and domainOfAddress', () => {
  assert.equal(normaliseDomain('NHS.NET'), 'nhs.net');
  assert.equal(normaliseDomain('nhs.net.'), 'nhs.net');
  assert.equal(normaliseDomain('münchen.de'), 'xn--mnchen-3ya.de');
  assert.equal(normaliseDomain('localhost'), 'localhost');
  assert.equal(normaliseDomain('a_b.com'), null);
  assert.equal(normaliseDomain('ｎｈｓ.net'), null);
  assert.equal(domainOfAddress('<a@NHS.net>'), 'nhs.net');
  assert.equal(domainOfAddress('a@b@nhs.net'), null);
});

test('isAccreditationCurrent', () => {
  assert.equal(isAccreditationCurrent(null, now), true);
  assert.equal(isAccreditationCurrent(now, now), true);
  assert.equal(isAccreditationCurrent(new Date(now.getTime() - 1), now), false);
  assert.equal(isAccreditationCurrent(new Date(now.getTime() + 1), new Date('bad')), false);
});

test('property: classification never throws and subdomains never inherit', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (s) => {
      const c = classifyRecipient(s, ctx);
      assert.ok(c === 'service' || c === 'accredited' || c === 'non-secure');
    }),
    { numRuns: 3000 },
  );
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
  fc.assert(
    fc.property(label, fc.constantFrom('caremail.nhs.uk', 'acme-care.co.uk', 'futuretrust.org.uk'), (sub, parent) => {
      assert.equal(classifyRecipient(`x@${sub}.${parent}`, ctx), 'non-secure');
    }),
  );
});

// ---------------------------------------------------------------- CSV import

test('CSV import: good rows', () => {
  const csv =
    '\uFEFFDomain, Organisation ,ACCREDITED_UNTIL\r\n' +
    'acme-care.co.uk,Acme Care Ltd,2026-03-31\r\n' +
    'Forever.ORG.uk,"Forever Trust, North",\r\n' +
    'münchen-klinik.de,Klinik,2027-01-01T09:30:00+01:00\r\n';
  const { rows, errors } = parseAccreditedDomainsCsv(csv);
  assert.deepEqual(errors, []);
  assert.deepEqual(rows, [
    { line: 2, domain: 'acme-care.co.uk', organisation: 'Acme Care Ltd', accreditedUntil: new Date('2026-03-31T23:59:59.999Z') },
    { line: 3, domain: 'forever.org.uk', organisation: 'Forever Trust, North', accreditedUntil: null },
    { line: 4, domain: 'xn--mnchen-klinik-wob.de', organisation: 'Klinik', accreditedUntil: new Date('2027-01-01T08:30:00Z') },
  ]);
});

test('CSV import: every bad row is reported with its line and reason', () => {
  const lines = [
    'domain,organisation,accredited_until', // 1
    'acme-care.co.uk,Acme Care Ltd,2026-03-31', // 2 ok
    'bad domain!,Org,', // 3 bad-domain
    'good.org.uk,Org,2025-02-30', // 4 bad-date (no 30 February)
    'ACME-CARE.co.uk,Again,', // 5 duplicate of line 2
    '', // 6 blank, skipped
    'x@y.com,Org,', // 7 bad-domain (an address)
    '*.nhs.uk,Org,', // 8 bad-domain (wildcard)
    '"multi.org.uk","Multi', // 9 ok, record spans two lines
    'Line Org",2027-01-01', // 10
    'broken.org.uk,"bad"x,', // 11 malformed-csv
    'unterminated.org.uk,"oops,', // 12 malformed-csv (never closed)
    'later.org.uk,Later Org,', // 13 ok: parsing resumes after the bad row
    'toomany.org.uk,Org,2026-01-01,extra', // 14 column-count
    'short.org.uk', // 15 column-count
    'noorg.org.uk,,', // 16 missing-organisation
    'trailing.org.uk,Org,2026-01-01,,', // 17 ok: empty trailing columns are tolerated
    ',,', // 18 empty row, skipped
    'dated.org.uk,Org,2026-01-01T12:00:00Z', // 19 ok
    'local.org.uk,Org,2026-01-01T12:00:00', // 20 bad-date (no zone)
    '10.0.0.1,Org,', // 21 bad-domain
    'both.org.uk,,31/12/2026', // 22 missing-organisation and bad-date
    'nodot,Org,', // 23 bad-domain
    'multi.org.uk,Multi again,', // 24 duplicate of line 9
    'quote.org.uk,O"Brien Care,', // 25 malformed-csv (stray quote)
    'spaced.org.uk, "O""Brien, Care" ,', // 26 ok: quotes doubled, spaces around the field ignored
  ];
  const { rows, errors } = parseAccreditedDomainsCsv(lines.join('\n') + '\n');
  assert.deepEqual(
    rows.map((r) => [r.line, r.domain]),
    [[2, 'acme-care.co.uk'], [9, 'multi.org.uk'], [13, 'later.org.uk'], [17, 'trailing.org.uk'], [19, 'dated.org.uk'], [26, 'spaced.org.uk']],
  );
  assert.equal(rows[1].organisation, 'Multi Line Org');
  assert.equal(rows[5].organisation, 'O"Brien, Care');
  assert.deepEqual(
    errors.map((e) => [e.line, e.code]),
    [
      [3, 'bad-domain'],
      [4, 'bad-date'],
      [5, 'duplicate'],
      [7, 'bad-domain'],
      [8, 'bad-domain'],
      [11, 'malformed-csv'],
      [12, 'malformed-csv'],
      [14, 'column-count'],
      [15, 'column-count'],
      [16, 'missing-organisation'],
      [20, 'bad-date'],
      [21, 'bad-domain'],
      [22, 'missing-organisation'],
      [22, 'bad-date'],
      [23, 'bad-domain'],
      [24, 'duplicate'],
      [25, 'malformed-csv'],
    ],
  );
  for (const e of errors) assert.ok(e.reason.length > 0);
  assert.match(errors.find((e) => e.line === 5)!.reason, /line 2/);
  assert.match(errors.find((e) => e.line === 8)!.reason, /wildcard/);
  assert.match(errors.find((e) => e.line === 7)!.reason, /email address/);
});

test('CSV import: header problems', () => {
  for (const text of ['', '\n\n', 'domain,org,until\na.org.uk,A,', 'a.org.uk,A,\n']) {
    const { rows, errors } = parseAccreditedDomainsCsv(text);
    assert.deepEqual(rows, []);
    assert.deepEqual(errors.map((e) => [e.line, e.code]), [[1, 'bad-header']]);
  }
  assert.deepEqual(parseAccreditedDomainsCsv('domain,organisation,accredited_until'), { rows: [], errors: [] });
});

test('parseAccreditedUntil', () => {
  assert.deepEqual(parseAccreditedUntil(''), { ok: true, value: null });
  assert.deepEqual(parseAccreditedUntil(' 2024-02-29 '), { ok: true, value: new Date('2024-02-29T23:59:59.999Z') });
  for (const bad of ['2023-02-29', '2025-13-01', '2025-1-1', '01/02/2025', 'tomorrow', '2025-06-01T25:00:00Z']) {
    assert.deepEqual(parseAccreditedUntil(bad), { ok: false }, bad);
  }
});

test('property: CSV import never throws and reports lines within the file', () => {
  const cell = fc.oneof(
    fc.constantFrom('a.org.uk', 'b.nhs.uk', '', '"', '""', '"x,y"', '2025-01-01', 'bad date', 'Org', '\n', ','),
    fc.string({ maxLength: 8 }),
  );
  const row = fc.array(cell, { maxLength: 5 }).map((cells) => cells.join(','));
  fc.assert(
    fc.property(fc.array(row, { maxLength: 15 }), (body) => {
      const text = ['domain,organisation,accredited_until', ...body].join('\n');
      const lineCount = text.split(/\r\n|\n|\r/).length;
      const { rows, errors } = parseAccreditedDomainsCsv(text);
      for (const x of [...rows, ...errors]) assert.ok(x.line >= 2 && x.line <= lineCount);
      assert.equal(new Set(rows.map((r) => r.domain)).size, rows.length);
    }),
    { numRuns: 500 },
  );
});
