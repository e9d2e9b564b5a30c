/**
 * Server responses from RFC 3501, RFC 9051 and extension RFCs, built with the
 * writer and compared byte for byte. Where the RFC quotes a plain atom (e.g.
 * "Foo") we write it bare; both forms are equivalent on the wire, and the
 * expected strings below say so where they differ from the RFC text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  capability, continuation, enabled, esearch, exists, expunge, fetchResponse, flags, id, list, lsub, mailboxStatus,
  namespace, parseSequenceSet as seq, quota, quotaRoot, recent, saslChallenge, search, sort, tagged, thread, untaggedStatus,
  vanished, withEnvelopeDefaults, type BodyStructure, type Envelope,
} from '../../../../src/mail/imap/protocol/index.ts';

const gray = { name: 'Terry Gray', mailbox: 'gray', host: 'cac.washington.edu' };
const sampleEnvelope: Envelope = {
  date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
  subject: 'IMAP4rev1 WG mtg summary and minutes',
  from: [gray],
  sender: null,
  replyTo: null,
  to: [{ name: null, mailbox: 'imap', host: 'cac.washington.edu' }],
  cc: [{ name: null, mailbox: 'minutes', host: 'CNRI.Reston.VA.US' }, { name: 'John Klensin', mailbox: 'KLENSIN', host: 'MIT.EDU' }],
  bcc: null,
  inReplyTo: null,
  messageId: '<B27397-0100000@cac.washington.edu>',
};

const textPart: BodyStructure = {
  type: 'TEXT', subtype: 'PLAIN', parameters: [['CHARSET', 'US-ASCII']], id: null, description: null, encoding: '7BIT', size: 3028, lines: 92,
};

const CASES: Array<[source: string, bytes: Buffer, expected: string]> = [
  ['3501 7.1.1', untaggedStatus('OK', 'IMAP4rev1 server ready'), '* OK IMAP4rev1 server ready\r\n'],
  ['3501 6.3.1', untaggedStatus('OK', 'UIDs valid', { name: 'UIDVALIDITY', value: 3857529045 }), '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n'],
  ['3501 6.3.1', untaggedStatus('OK', 'Message 12 is first unseen', { name: 'UNSEEN', value: 12 }), '* OK [UNSEEN 12] Message 12 is first unseen\r\n'],
  ['3501 6.3.1', untaggedStatus('OK', 'Predicted next UID', { name: 'UIDNEXT', value: 4392 }), '* OK [UIDNEXT 4392] Predicted next UID\r\n'],
  ['3501 6.3.1', untaggedStatus('OK', 'Limited', { name: 'PERMANENTFLAGS', flags: ['\\Deleted', '\\Seen', '\\*'] }), '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n'],
  ['3501 6.3.1', tagged('A142', 'OK', 'SELECT completed', { name: 'READ-WRITE' }), 'A142 OK [READ-WRITE] SELECT completed\r\n'],
  ['3501 6.3.1', flags(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']), '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n'],
  ['3501 7.3.1', exists(172), '* 172 EXISTS\r\n'],
  ['3501 7.3.2', recent(1), '* 1 RECENT\r\n'],
  ['3501 7.4.1', expunge(3), '* 3 EXPUNGE\r\n'],
  ['3501 7.1.5', untaggedStatus('BYE', 'Autologout; idle for too long'), '* BYE Autologout; idle for too long\r\n'],
  ['3501 6.1.1', capability(['IMAP4rev1', 'STARTTLS', 'AUTH=GSSAPI', 'LOGINDISABLED']), '* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n'],
  ['3501 6.3.8', list({ attributes: ['\\Noselect'], delimiter: '/', mailbox: '' }), '* LIST (\\Noselect) "/" ""\r\n'],
  ['3501 6.3.8', list({ attributes: ['\\Noselect'], delimiter: '.', mailbox: '#news.' }), '* LIST (\\Noselect) "." #news.\r\n'],
  ['3501 6.3.9', lsub({ attributes: [], delimiter: '.', mailbox: '#news.comp.mail.misc' }), '* LSUB () "." #news.comp.mail.misc\r\n'],
  ['3501 6.3.10', mailboxStatus('blurdybloop', [['MESSAGES', 231], ['UIDNEXT', 44292]]), '* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n'],
  ['3501 6.4.4', search([2, 84, 882]), '* SEARCH 2 84 882\r\n'],
  ['3501 6.4.4', search([]), '* SEARCH\r\n'],
  ['3501 7.5', continuation(), '+ Ready for literal data\r\n'],
  ['3501 6.2.2', saslChallenge(Buffer.alloc(0)), '+ \r\n'],
  ['3501 6.2.2', saslChallenge(Buffer.from('challenge')), '+ Y2hhbGxlbmdl\r\n'],
  ['3501 8 sample FETCH', fetchResponse(12, [
    { name: 'FLAGS', flags: ['\\Seen'] },
    { name: 'INTERNALDATE', value: { date: new Date('1996-07-17T09:44:25Z'), offsetMinutes: -420 } },
    { name: 'RFC822.SIZE', value: 4286 },
    { name: 'ENVELOPE', envelope: withEnvelopeDefaults(sampleEnvelope) },
    { name: 'BODY', body: textPart },
  ]),
  '* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" ' +
  '"IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
  '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")' +
  '("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n'],
  ['3501 7.4.2 BODY multipart', fetchResponse(1, [{
    name: 'BODY',
    body: {
      type: 'multipart', subtype: 'MIXED',
      parts: [
        { type: 'TEXT', subtype: 'PLAIN', parameters: [['CHARSET', 'US-ASCII']], id: null, description: null, encoding: '7BIT', size: 1152, lines: 23 },
        {
          type: 'TEXT', subtype: 'PLAIN', parameters: [['CHARSET', 'US-ASCII'], ['NAME', 'cc.diff']], id: '<960723163407.20117h@cac.washington.edu>',
          description: 'Compiler diff', encoding: 'BASE64', size: 4554, lines: 73,
        },
      ],
    },
  }]),
  '* 1 FETCH (BODY (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") ' +
  '"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED"))\r\n'],
  ['3501 BODYSTRUCTURE with extension data', fetchResponse(2, [{
    name: 'BODYSTRUCTURE',
    body: {
      type: 'multipart', subtype: 'MIXED', parameters: [['BOUNDARY', 'xyz']],
      parts: [
        { ...textPart, size: 10, lines: 1, md5: null, disposition: { type: 'inline', parameters: null }, language: ['en'] },
        {
          type: 'MESSAGE', subtype: 'RFC822', parameters: null, id: null, description: null, encoding: '7BIT', size: 50, lines: 3,
          envelope: { ...sampleEnvelope, from: [{ group: 'undisclosed', members: [] }], cc: null, to: null },
          body: { ...textPart, size: 5, lines: 1 },
          disposition: { type: 'attachment', parameters: [['FILENAME', 'fwd.eml']] },
        },
      ],
    },
  }]),
  '* 2 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 1 NIL ("inline" NIL) "en" NIL)' +
  '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 50 ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
  '((NIL NIL "undisclosed" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL NIL "<B27397-0100000@cac.washington.edu>") ' +
  '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL) 3 NIL ("attachment" ("FILENAME" "fwd.eml")) NIL NIL) "MIXED" ("BOUNDARY" "xyz") NIL NIL NIL))\r\n'],
  ['3501 6.4.5 BODY[section]', fetchResponse(3, [
    { name: 'UID', value: 4827313 },
    { name: 'BODY[]', section: { part: [], specifier: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] }, data: Buffer.from('Date: x\r\n\r\n') },
  ]), '* 3 FETCH (UID 4827313 BODY[HEADER.FIELDS (DATE FROM)] {11}\r\nDate: x\r\n\r\n)\r\n'],
  ['3501 partial origin', fetchResponse(4, [{ name: 'BODY[]', section: { part: [1] }, origin: 100, data: Buffer.from('abc') }]), '* 4 FETCH (BODY[1]<100> {3}\r\nabc)\r\n'],
  ['3501 NIL body', fetchResponse(4, [{ name: 'BODY[]', section: { part: [9] }, data: null }]), '* 4 FETCH (BODY[9] NIL)\r\n'],
  ['3516 BINARY with NUL', fetchResponse(5, [
    { name: 'BINARY[]', part: [1], data: Buffer.from('a\u0000b') },
    { name: 'BINARY.SIZE', part: [1], size: 3 },
  ]), '* 5 FETCH (BINARY[1] ~{3}\r\na\u0000b BINARY.SIZE[1] 3)\r\n'],
  ['7162 MODSEQ', fetchResponse(1, [{ name: 'UID', value: 4 }, { name: 'MODSEQ', value: 12121231000n }]), '* 1 FETCH (UID 4 MODSEQ (12121231000))\r\n'],
  ['7162 HIGHESTMODSEQ', untaggedStatus('OK', 'Highest', { name: 'HIGHESTMODSEQ', value: 715194045007n }), '* OK [HIGHESTMODSEQ 715194045007] Highest\r\n'],
  ['7162 MODIFIED', tagged('d105', 'OK', 'Conditional STORE failed', { name: 'MODIFIED', set: seq('7,9') }), 'd105 OK [MODIFIED 7,9] Conditional STORE failed\r\n'],
  ['7162 SEARCH MODSEQ', search([2, 5, 6, 7, 11, 12, 18, 19, 20, 23], 917162500n), '* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n'],
  ['7162 VANISHED', vanished(seq('300:310,405,411'), true), '* VANISHED (EARLIER) 300:310,405,411\r\n'],
  ['4315 APPENDUID', tagged('A003', 'OK', 'APPEND completed', { name: 'APPENDUID', uidValidity: 38505, uids: 3955 }), 'A003 OK [APPENDUID 38505 3955] APPEND completed\r\n'],
  ['4315 COPYUID', tagged('A004', 'OK', 'Done', { name: 'COPYUID', uidValidity: 38505, source: seq('304,319:320'), destination: seq('3956:3958') }), 'A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n'],
  ['4469 TOOBIG', tagged('A1', 'NO', 'Message too large', { name: 'TOOBIG' }), 'A1 NO [TOOBIG] Message too large\r\n'],
  ['3501 ALERT', untaggedStatus('OK', 'System shutdown in 10 minutes', { name: 'ALERT' }), '* OK [ALERT] System shutdown in 10 minutes\r\n'],
  ['3501 TRYCREATE', tagged('A003', 'NO', 'No such mailbox', { name: 'TRYCREATE' }), 'A003 NO [TRYCREATE] No such mailbox\r\n'],
  ['5255 BADCHARSET', tagged('A1', 'NO', 'Unsupported charset', { name: 'BADCHARSET', charsets: ['UTF-8', 'US-ASCII'] }), 'A1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n'],
  ['4731 ESEARCH', esearch({ tag: 'A282', uid: false, min: 2, count: 3 }), '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n'],
  ['4731 ESEARCH ALL', esearch({ tag: 'A283', uid: false, all: seq('2,10:11') }), '* ESEARCH (TAG "A283") ALL 2,10:11\r\n'],
  ['4731 ESEARCH UID', esearch({ tag: 'A284', uid: true, min: 4, max: 99, count: 2, modseq: 917162500n }), '* ESEARCH (TAG "A284") UID MIN 4 MAX 99 COUNT 2 MODSEQ 917162500\r\n'],
  ['4731 ESEARCH empty', esearch({ tag: 'A285', uid: false, all: { kind: 'set', ranges: [] }, count: 0 }), '* ESEARCH (TAG "A285") COUNT 0\r\n'],
  ['5256 SORT', sort([2, 84, 882]), '* SORT 2 84 882\r\n'],
  ['5256 THREAD', thread([
    { id: 2, children: [] },
    { id: 3, children: [{ id: 6, children: [{ id: 4, children: [{ id: 23, children: [] }] }, { id: 44, children: [{ id: 7, children: [{ id: 96, children: [] }] }] }] }] },
  ]), '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n'],
  ['5256 THREAD dummy parent', thread([{ id: null, children: [{ id: 3, children: [] }, { id: 5, children: [] }] }]), '* THREAD ((3)(5))\r\n'],
  ['5256 THREAD none', thread([]), '* THREAD\r\n'],
  ['2342 NAMESPACE', namespace([{ prefix: '', delimiter: '/' }], null, null), '* NAMESPACE (("" "/")) NIL NIL\r\n'],
  ['2342 NAMESPACE', namespace([{ prefix: '', delimiter: '/' }], [{ prefix: '~', delimiter: '/' }], [
    { prefix: '#shared/', delimiter: '/' }, { prefix: '#public/', delimiter: '/' }, { prefix: '#ftp/', delimiter: '/' }, { prefix: '#news.', delimiter: '.' },
  ]), '* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#public/" "/")("#ftp/" "/")("#news." "."))\r\n'],
  ['2971 ID', id([{ key: 'name', value: 'Cyrus' }, { key: 'version', value: '1.5' }, { key: 'os', value: 'sunos' }, { key: 'os-version', value: '5.5' }, { key: 'support-url', value: 'mailto:cyrus-bugs+@andrew.cmu.edu' }]),
    '* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")\r\n'],
  ['2971 ID NIL', id(null), '* ID NIL\r\n'],
  ['5161 ENABLED', enabled(['CONDSTORE']), '* ENABLED CONDSTORE\r\n'],
  ['9208 QUOTA', quota('', [{ name: 'STORAGE', usage: 10, limit: 512 }]), '* QUOTA "" (STORAGE 10 512)\r\n'],
  ['9208 QUOTAROOT', quotaRoot('INBOX', ['']), '* QUOTAROOT INBOX ""\r\n'],
  ['6154 SPECIAL-USE', list({ attributes: ['\\HasNoChildren', '\\Sent'], delimiter: '/', mailbox: 'Sent Mail' }), '* LIST (\\HasNoChildren \\Sent) "/" "Sent Mail"\r\n'],
  ['5258 CHILDINFO (RFC quotes "Foo")', list({ attributes: [], delimiter: '/', mailbox: 'Foo', childInfo: ['SUBSCRIBED'] }), '* LIST () "/" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n'],
  ['9051 OLDNAME', list({ attributes: [], delimiter: '/', mailbox: 'NewName', oldName: 'OldName' }), '* LIST () "/" NewName ("OLDNAME" (OldName))\r\n'],
  ['3501 5.1.3 mUTF-7 out', list({ attributes: [], delimiter: '/', mailbox: '~peter/mail/台北/日本語' }), '* LIST () "/" ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n'],
  ['9051 UTF-8 out', list({ attributes: [], delimiter: '/', mailbox: 'Entwürfe' }, { utf8: true }), '* LIST () "/" "Entwürfe"\r\n'],
  ['flat namespace', list({ attributes: ['\\Noinferiors'], delimiter: null, mailbox: 'INBOX' }), '* LIST (\\Noinferiors) NIL INBOX\r\n'],
  ['quoted escapes', mailboxStatus('a "b" \\c', [['UNSEEN', 0]]), '* STATUS "a \\"b\\" \\\\c" (UNSEEN 0)\r\n'],
  ['NIL must be quoted', mailboxStatus('NIL', [['MESSAGES', 1]]), '* STATUS "NIL" (MESSAGES 1)\r\n'],
  ['CRLF in subject becomes a literal', fetchResponse(1, [{
    name: 'ENVELOPE', envelope: { ...sampleEnvelope, subject: 'a\r\n b', from: null, cc: null, to: null },
  }]), '* 1 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" {5}\r\na\r\n b NIL NIL NIL NIL NIL NIL NIL "<B27397-0100000@cac.washington.edu>"))\r\n'],
  ['8-bit in subject becomes a literal unless UTF-8 is on', fetchResponse(1, [{ name: 'ENVELOPE', envelope: { ...sampleEnvelope, subject: 'Grüße', from: null, cc: null, to: null } }]),
    '* 1 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" {7}\r\nGrüße NIL NIL NIL NIL NIL NIL NIL "<B27397-0100000@cac.washington.edu>"))\r\n'],
  ['tagged text cannot inject a line', tagged('A1', 'NO', 'bad\r\n* OK injected'), 'A1 NO bad * OK injected\r\n'],
];

test('responses serialise to the expected bytes', () => {
  for (const [source, bytes, expected] of CASES) {
    assert.equal(bytes.toString('utf8'), expected, source);
  }
});

test('literal lengths count bytes, not characters', () => {
  const out = fetchResponse(1, [{ name: 'BODY[]', section: { part: [] }, data: Buffer.from('Grüße', 'utf8') }]);
  assert.equal(out.toString('utf8'), '* 1 FETCH (BODY[] {7}\r\nGrüße)\r\n');
});
