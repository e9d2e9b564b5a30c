import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decideOutbound,
  docxToText,
  explainStopped,
  findPatientData,
  htmlToScanText,
  STOPPED_EXPLANATION,
  type OutboundPolicy,
  type OutgoingMessage,
} from '../../../src/mail/secure/patient-data-check.ts';
import { buildDocx, buildZip } from './zip-builder.ts';

const N1 = '9434765919';
const N2 = '4010232137';
const M1 = '943 *** ***9';
const M2 = '401 *** ***7';

const msg = (over: Partial<OutgoingMessage>): OutgoingMessage => ({ subject: '', attachments: [], ...over });
const att = (filename: string, contentType: string, content: Buffer | string) => ({
  filename,
  contentType,
  content: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
});

test('finds NHS numbers in subject, text and HTML, masked', () => {
  const findings = findPatientData(
    msg({
      subject: 'Referral 943 476 5919',
      text: `Patient ${N2} seen today`,
      html: '<p>NHS number <b>943</b>&nbsp;476&nbsp;5919</p>',
    }),
  );
  assert.deepEqual(findings, [
    { where: 'subject', nhsNumber: M1 },
    { where: 'text', nhsNumber: M2 },
    { where: 'html', nhsNumber: M1 },
  ]);
  assert.ok(!JSON.stringify(findings).includes(N1), 'full number never appears in findings');
});

test('nothing found in ordinary mail, phone numbers or invalid numbers', () => {
  assert.deepEqual(
    findPatientData(msg({ subject: 'Team meeting', text: 'Call 0113 496 0000 or +44 113 496 0000. Ref 943 476 5910.' })),
    [],
  );
});

test('HTML: entities, tags and table cells', () => {
  assert.equal(htmlToScanText('a&amp;b &lt;x&gt; &#57;&#x34;3 &unknown; &#0;'), 'a&b <x> 943 &unknown; \uFFFD');
  // Cells become separate lines, so they are not glued into one long run...
  const table = `<table><tr><td>${N1}</td><td>12</td></tr><tr><td>1</td><td>${N2}</td></tr></table>`;
  assert.deepEqual(findPatientData(msg({ html: table })).map((f) => f.nhsNumber), [M1, M2]);
  // ...while inline markup inside a number is ignored.
  assert.equal(findPatientData(msg({ html: '<span style="x">943</span> <i>476</i> <!-- c --><u>5919</u>' })).length, 1);
  assert.equal(findPatientData(msg({ html: '<p>943 476</p><p>5919</p>' })).length, 0);
  assert.equal(findPatientData(msg({ html: '&#57;&#52;&#51;&#52;&#55;&#54;&#53;&#57;&#49;&#57;' })).length, 1);
  // Hostile input stays fast (no quadratic backtracking on unclosed tags).
  const start = process.hrtime.bigint();
  htmlToScanText('<a'.repeat(200_000) + '<!--'.repeat(50_000));
  assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 2000);
});

test('text attachments by extension or type; others are not read', () => {
  const findings = findPatientData(
    msg({
      attachments: [
        att('list.csv', 'application/octet-stream', `nhs_number,name\n${N1},A\n`),
        att('notes', 'text/plain; charset=utf-8', `see ${N2}`),
        att('NOTES.TXT', 'application/octet-stream', `see ${N2}`),
        att('scan.pdf', 'application/pdf', `${N1}`),
        att('image.png', 'image/png', `${N1}`),
      ],
    }),
  );
  assert.deepEqual(findings, [
    { where: 'attachment', filename: 'list.csv', attachmentIndex: 0, nhsNumber: M1 },
    { where: 'attachment', filename: 'notes', attachmentIndex: 1, nhsNumber: M2 },
    { where: 'attachment', filename: 'NOTES.TXT', attachmentIndex: 2, nhsNumber: M2 },
  ]);
});

test('text attachment encodings: UTF-16 with BOM and Windows-1252 no-break spaces', () => {
  const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`NHS\t${N1}\r\n`, 'utf16le')]);
  const utf16be = Buffer.from(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`NHS\t${N2}`, 'utf16le')]).swap16());
  const cp1252 = Buffer.from([...Buffer.from('Caf\xe9 943'), 0xa0, ...Buffer.from('476'), 0xa0, ...Buffer.from('5919')]);
  const found = findPatientData(
    msg({ attachments: [att('a.txt', 'text/plain', utf16le), att('b.txt', 'text/plain', utf16be), att('c.csv', 'text/csv', cp1252)] }),
  );
  assert.deepEqual(found.map((f) => [f.attachmentIndex, f.nhsNumber]), [[0, M1], [1, M2], [2, M1]]);
});

test('docx: text split across runs, headers, alternative main part, mislabelled type', () => {
  const docx = buildDocx([['Dear colleague,'], ['NHS number: 943', ' 476 ', '5919'], ['Kind regards']], { header: `Patient ${N2}` });
  const text = docxToText(docx);
  assert.ok(text?.includes('NHS number: 943 476 5919'));
  assert.ok(text?.includes(`Patient ${N2}`));
  const findings = findPatientData(
    msg({
      attachments: [
        att('letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', docx),
        att('scan0001', 'application/octet-stream', buildDocx([[N2]], { mainPart: 'word/document2.xml' })),
      ],
    }),
  );
  assert.deepEqual(findings.map((f) => [f.attachmentIndex, f.nhsNumber]), [[0, M1], [0, M2], [1, M2]]);
  // Paragraphs are separated, so digits in neighbouring paragraphs do not join up.
  assert.deepEqual(findPatientData(msg({ attachments: [att('x.docx', '', buildDocx([['943 476'], ['5919']]))] })), []);
  // Escaped XML entities are decoded.
  assert.ok(docxToText(buildDocx([['A & B <c>']]))?.includes('A & B <c>'));
});

test('docx: malformed, truncated or non-docx zips give no text and never throw', () => {
  const docx = buildDocx([[`NHS ${N1}`]]);
  assert.equal(docxToText(docx.subarray(0, docx.length - 5)), null);
  assert.equal(docxToText(buildZip([{ name: 'readme.txt', data: N1 }])), null);
  assert.equal(docxToText(Buffer.from('not a zip')), null);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: docx.length - 1 }), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }), (flips) => {
      const z = Buffer.from(docx);
      for (const [at, xor] of flips) z[at] ^= xor;
      const findings = findPatientData(msg({ attachments: [att('x.docx', '', z)] }));
      assert.ok(findings.length <= 1);
    }),
    { numRuns: 500 },
  );
});

// ---------------------------------------------------------------- decideOutbound

const recipients: OutboundPolicy['recipients'] = [
  { address: 'in@caremail.nhs.uk', classification: 'service' },
  { address: 'x@acme-care.co.uk', classification: 'accredited' },
  { address: 'someone@gmail.com', classification: 'non-secure' },
];

test('decideOutbound table', () => {
  const cases: Array<[boolean, boolean, 'stop' | 'encrypt', string, string]> = [
    // secure subject, patient data, setting -> action and reason for the outside recipient
    [false, false, 'stop', 'deliver', 'no-patient-data'],
    [false, false, 'encrypt', 'deliver', 'no-patient-data'],
    [false, true, 'stop', 'stop', 'patient-data-stop'],
    [false, true, 'encrypt', 'encrypt', 'patient-data-encrypt'],
    [true, false, 'stop', 'encrypt', 'secure-subject'],
    [true, true, 'stop', 'encrypt', 'secure-subject'],
    [true, true, 'encrypt', 'encrypt', 'secure-subject'],
  ];
  for (const [subjectIsSecure, patientDataFound, onPatientData, action, reason] of cases) {
    const d = decideOutbound({ recipients, subjectIsSecure, patientDataFound, onPatientData });
    const label = JSON.stringify({ subjectIsSecure, patientDataFound, onPatientData });
    assert.deepEqual(
      d.recipients.map((r) => [r.action, r.reason]),
      [['deliver', 'internal'], ['deliver', 'accredited'], [action, reason]],
      label,
    );
    assert.equal(d.anyStopped, action === 'stop', label);
    assert.equal(d.anyEncrypted, action === 'encrypt', label);
  }
});

test('decideOutbound fails safe on unexpected values', () => {
  const d = decideOutbound({
    recipients: [{ address: 'a@b.c', classification: 'trusted' as never }],
    subjectIsSecure: false,
    patientDataFound: true,
    onPatientData: 'ENCRYPT' as never,
  });
  assert.deepEqual(d.recipients[0], { address: 'a@b.c', classification: 'non-secure', action: 'stop', reason: 'patient-data-stop' });
  assert.deepEqual(decideOutbound({ recipients: [], subjectIsSecure: false, patientDataFound: true, onPatientData: 'stop' }), {
    recipients: [],
    anyStopped: false,
    anyEncrypted: false,
  });
});

test('property: internal and accredited recipients always deliver', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), fc.constantFrom('stop' as const, 'encrypt' as const), (s, p, o) => {
      const d = decideOutbound({ recipients, subjectIsSecure: s, patientDataFound: p, onPatientData: o });
      assert.equal(d.recipients[0].action, 'deliver');
      assert.equal(d.recipients[1].action, 'deliver');
    }),
  );
});

test('the explanation tells the sender how to send securely', () => {
  assert.match(STOPPED_EXPLANATION, /\[secure\]/);
  assert.match(STOPPED_EXPLANATION, /subject/);
  const d = decideOutbound({ recipients, subjectIsSecure: false, patientDataFound: true, onPatientData: 'stop' });
  const text = explainStopped(d);
  assert.ok(text.startsWith(STOPPED_EXPLANATION));
  assert.match(text, /- someone@gmail\.com/);
  assert.doesNotMatch(text, /caremail\.nhs\.uk|acme-care/);
});
