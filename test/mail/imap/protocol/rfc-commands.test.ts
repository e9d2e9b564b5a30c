/**
 * Client commands quoted from RFC 3501, RFC 9051 and the extension RFCs,
 * each with the AST it must parse to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSequenceSet as seq, readAll, type Command } from '../../../../src/mail/imap/protocol/index.ts';
import { show } from './arbitraries.ts';

const msg310 = 'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example>\r\n\r\nHello Joe\r\n';

const EXAMPLES: Array<[source: string, wire: string, ast: Command]> = [
  ['3501 6.1.1', 'a001 CAPABILITY', { tag: 'a001', name: 'CAPABILITY' }],
  ['3501 6.1.2', 'a002 NOOP', { tag: 'a002', name: 'NOOP' }],
  ['3501 6.1.3', 'A023 LOGOUT', { tag: 'A023', name: 'LOGOUT' }],
  ['3501 6.2.1', 'a002 STARTTLS', { tag: 'a002', name: 'STARTTLS' }],
  ['3501 6.2.2', 'A001 AUTHENTICATE GSSAPI', { tag: 'A001', name: 'AUTHENTICATE', mechanism: 'GSSAPI' }],
  ['3501 6.2.3', 'a001 LOGIN SMITH SESAME', { tag: 'a001', name: 'LOGIN', username: 'SMITH', password: 'SESAME' }],
  ['3501 6.3.1', 'A142 SELECT INBOX', { tag: 'A142', name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['3501 6.3.2', 'A932 EXAMINE blurdybloop', { tag: 'A932', name: 'EXAMINE', mailbox: 'blurdybloop', condstore: false }],
  ['3501 6.3.3', 'A003 CREATE owatagusiam/', { tag: 'A003', name: 'CREATE', mailbox: 'owatagusiam/' }],
  ['3501 6.3.4', 'A683 DELETE blurdybloop', { tag: 'A683', name: 'DELETE', mailbox: 'blurdybloop' }],
  ['3501 6.3.5', 'A683 RENAME blurdybloop sarasoop', { tag: 'A683', name: 'RENAME', from: 'blurdybloop', to: 'sarasoop' }],
  ['3501 6.3.6', 'A002 SUBSCRIBE #news.comp.mail.mime', { tag: 'A002', name: 'SUBSCRIBE', mailbox: '#news.comp.mail.mime' }],
  ['3501 6.3.7', 'A002 UNSUBSCRIBE #news.comp.mail.mime', { tag: 'A002', name: 'UNSUBSCRIBE', mailbox: '#news.comp.mail.mime' }],
  ['3501 6.3.8', 'A101 LIST "" ""', { tag: 'A101', name: 'LIST', reference: '', patterns: [''], selection: [], returnOptions: {}, extended: false }],
  ['3501 6.3.8', 'A202 LIST ~/Mail/ %', { tag: 'A202', name: 'LIST', reference: '~/Mail/', patterns: ['%'], selection: [], returnOptions: {}, extended: false }],
  ['3501 6.3.9', 'A002 LSUB "#news." "comp.mail.*"', { tag: 'A002', name: 'LSUB', reference: '#news.', pattern: 'comp.mail.*' }],
  ['3501 6.3.10', 'A042 STATUS blurdybloop (UIDNEXT MESSAGES)', { tag: 'A042', name: 'STATUS', mailbox: 'blurdybloop', items: ['UIDNEXT', 'MESSAGES'] }],
  ['3501 6.3.11', `A003 APPEND saved-messages (\\Seen) {${msg310.length}}\r\n${msg310}`, {
    tag: 'A003', name: 'APPEND', mailbox: 'saved-messages', messages: [{ flags: ['\\Seen'], message: Buffer.from(msg310), binary: false }],
  }],
  ['3501 6.4.1', 'FXXZ CHECK', { tag: 'FXXZ', name: 'CHECK' }],
  ['3501 6.4.2', 'A341 CLOSE', { tag: 'A341', name: 'CLOSE' }],
  ['3501 6.4.3', 'A202 EXPUNGE', { tag: 'A202', name: 'EXPUNGE', uid: false }],
  ['3501 6.4.4', 'A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', {
    tag: 'A282', name: 'SEARCH', uid: false,
    criteria: [{ key: 'FLAGGED' }, { key: 'SINCE', date: '1994-02-01' }, { key: 'NOT', operand: { key: 'FROM', value: 'Smith' } }],
  }],
  ['3501 6.4.4', 'A283 SEARCH TEXT "string not in mailbox"', { tag: 'A283', name: 'SEARCH', uid: false, criteria: [{ key: 'TEXT', value: 'string not in mailbox' }] }],
  ['3501 6.4.4', 'A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX', { tag: 'A284', name: 'SEARCH', uid: false, charset: 'UTF-8', criteria: [{ key: 'TEXT', value: 'XXXXXX' }] }],
  ['3501 6.4.5', 'A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])', {
    tag: 'A654', name: 'FETCH', uid: false, sequence: seq('2:4'),
    attributes: [{ name: 'FLAGS' }, { name: 'BODY[]', peek: false, section: { part: [], specifier: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] } }],
  }],
  ['3501 6.4.6', 'A003 STORE 2:4 +FLAGS (\\Deleted)', {
    tag: 'A003', name: 'STORE', uid: false, sequence: seq('2:4'), operation: 'add', silent: false, flags: ['\\Deleted'],
  }],
  ['3501 6.4.7', 'A003 COPY 2:4 MEETING', { tag: 'A003', name: 'COPY', uid: false, sequence: seq('2:4'), mailbox: 'MEETING' }],
  ['3501 6.4.8', 'A999 UID FETCH 4827313:4828442 FLAGS', {
    tag: 'A999', name: 'FETCH', uid: true, sequence: seq('4827313:4828442'), attributes: [{ name: 'FLAGS' }],
  }],
  ['3501 5.1.3', 'A1 SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-', { tag: 'A1', name: 'SELECT', mailbox: '~peter/mail/台北/日本語', condstore: false }],
  ['3501 6.4.5 macro', 'A1 FETCH 1:* FAST', {
    tag: 'A1', name: 'FETCH', uid: false, sequence: seq('1:*'), macro: 'FAST',
    attributes: [{ name: 'FLAGS' }, { name: 'INTERNALDATE' }, { name: 'RFC822.SIZE' }],
  }],
  ['3501 6.4.5 partial', 'A1 FETCH 1 (BODY.PEEK[1.2.TEXT]<0.2048> RFC822.SIZE)', {
    tag: 'A1', name: 'FETCH', uid: false, sequence: seq('1'),
    attributes: [{ name: 'BODY[]', peek: true, section: { part: [1, 2], specifier: 'TEXT' }, partial: { offset: 0, length: 2048 } }, { name: 'RFC822.SIZE' }],
  }],
  ['2177 IDLE', 'A002 IDLE', { tag: 'A002', name: 'IDLE' }],
  ['2342 NAMESPACE', 'A001 NAMESPACE', { tag: 'A001', name: 'NAMESPACE' }],
  ['2971 ID', 'a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")', {
    tag: 'a023', name: 'ID',
    parameters: [{ key: 'name', value: 'sodr' }, { key: 'version', value: '19.34' }, { key: 'vendor', value: 'Pink Floyd Music Limited' }],
  }],
  ['2971 ID NIL', 'a ID NIL', { tag: 'a', name: 'ID', parameters: null }],
  ['3502 MULTIAPPEND', 'A003 APPEND saved-messages (\\Seen) {5+}\r\nfirst (\\Seen) "7-Feb-1994 22:43:04 -0800" {6+}\r\nsecond', {
    tag: 'A003', name: 'APPEND', mailbox: 'saved-messages',
    messages: [
      { flags: ['\\Seen'], message: Buffer.from('first'), binary: false },
      { flags: ['\\Seen'], date: { date: new Date('1994-02-08T06:43:04Z'), offsetMinutes: -480 }, message: Buffer.from('second'), binary: false },
    ],
  }],
  ['3516 BINARY', 't FETCH 1 (BINARY.PEEK[1.3] BINARY.SIZE[1])', {
    tag: 't', name: 'FETCH', uid: false, sequence: seq('1'),
    attributes: [{ name: 'BINARY[]', peek: true, part: [1, 3] }, { name: 'BINARY.SIZE', part: [1] }],
  }],
  ['3516 literal8', 'A1 APPEND Drafts ~{3+}\r\na\u0000b', {
    tag: 'A1', name: 'APPEND', mailbox: 'Drafts', messages: [{ flags: [], message: Buffer.from('a\u0000b'), binary: true }],
  }],
  ['3691 UNSELECT', 'A342 UNSELECT', { tag: 'A342', name: 'UNSELECT' }],
  ['4315 UIDPLUS', 'A003 UID EXPUNGE 3000:3002', { tag: 'A003', name: 'EXPUNGE', uid: true, sequence: seq('3000:3002') }],
  ['4731 ESEARCH', 'A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"', {
    tag: 'A282', name: 'SEARCH', uid: false, returnOptions: ['MIN', 'COUNT'],
    criteria: [{ key: 'FLAGGED' }, { key: 'SINCE', date: '1994-02-01' }, { key: 'NOT', operand: { key: 'FROM', value: 'Smith' } }],
  }],
  ['4731 RETURN ()', 'A283 SEARCH RETURN () FLAGGED', { tag: 'A283', name: 'SEARCH', uid: false, returnOptions: [], criteria: [{ key: 'FLAGGED' }] }],
  ['4959 SASL-IR', 'a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=', {
    tag: 'a01', name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: Buffer.from('test\u0000test\u0000test'),
  }],
  ['4959 empty IR', 'a02 AUTHENTICATE EXTERNAL =', { tag: 'a02', name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: Buffer.alloc(0) }],
  ['5032 WITHIN', 'A1 SEARCH UNSEEN YOUNGER 259200', { tag: 'A1', name: 'SEARCH', uid: false, criteria: [{ key: 'UNSEEN' }, { key: 'YOUNGER', seconds: 259200 }] }],
  ['5161 ENABLE', 't2 ENABLE CONDSTORE X-GOOD-IDEA', { tag: 't2', name: 'ENABLE', capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] }],
  ['5182 SEARCHRES', 'A282 SEARCH RETURN (SAVE) FLAGGED', { tag: 'A282', name: 'SEARCH', uid: false, returnOptions: ['SAVE'], criteria: [{ key: 'FLAGGED' }] }],
  ['5182 SEARCHRES', 'A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.HEADER)', {
    tag: 'A283', name: 'FETCH', uid: false, sequence: { kind: 'saved' },
    attributes: [{ name: 'UID' }, { name: 'INTERNALDATE' }, { name: 'FLAGS' }, { name: 'RFC822.HEADER' }],
  }],
  ['5256 SORT', 'A283 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994', {
    tag: 'A283', name: 'SORT', uid: false, criteria: [{ key: 'SUBJECT', reverse: false }], charset: 'UTF-8', search: [{ key: 'SINCE', date: '1994-02-01' }],
  }],
  ['5256 SORT', 'A285 SORT (SUBJECT REVERSE DATE) UTF-8 ALL', {
    tag: 'A285', name: 'SORT', uid: false, criteria: [{ key: 'SUBJECT', reverse: false }, { key: 'DATE', reverse: true }], charset: 'UTF-8', search: [{ key: 'ALL' }],
  }],
  ['5256 THREAD', 'A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000', {
    tag: 'A283', name: 'THREAD', uid: false, algorithm: 'ORDEREDSUBJECT', charset: 'UTF-8', search: [{ key: 'SINCE', date: '2000-03-05' }],
  }],
  ['5256 THREAD', 'A284 THREAD REFERENCES US-ASCII TEXT "gewp"', {
    tag: 'A284', name: 'THREAD', uid: false, algorithm: 'REFERENCES', charset: 'US-ASCII', search: [{ key: 'TEXT', value: 'gewp' }],
  }],
  ['5258 LIST-EXTENDED', 'A01 LIST "" ("INBOX" "Drafts" "Sent/%")', {
    tag: 'A01', name: 'LIST', reference: '', patterns: ['INBOX', 'Drafts', 'Sent/%'], selection: [], returnOptions: {}, extended: true,
  }],
  ['5258 LIST-EXTENDED', 'A02 LIST (SUBSCRIBED) "" "*"', {
    tag: 'A02', name: 'LIST', reference: '', patterns: ['*'], selection: ['SUBSCRIBED'], returnOptions: {}, extended: true,
  }],
  ['5258 LIST-EXTENDED', 'A05 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)', {
    tag: 'A05', name: 'LIST', reference: '', patterns: ['%'], selection: ['SUBSCRIBED', 'RECURSIVEMATCH'], returnOptions: { children: true }, extended: true,
  }],
  ['5819 LIST-STATUS', 'A02 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))', {
    tag: 'A02', name: 'LIST', reference: '', patterns: ['%'], selection: [], returnOptions: { status: ['MESSAGES', 'UNSEEN'] }, extended: true,
  }],
  ['6154 SPECIAL-USE', 't1 CREATE "Important Messages" (USE (\\Flagged))', { tag: 't1', name: 'CREATE', mailbox: 'Important Messages', specialUse: ['\\Flagged'] }],
  ['6154 SPECIAL-USE', 't1 LIST (SPECIAL-USE) "" "*"', {
    tag: 't1', name: 'LIST', reference: '', patterns: ['*'], selection: ['SPECIAL-USE'], returnOptions: {}, extended: true,
  }],
  ['6154 SPECIAL-USE', 't3 LIST "" "%" RETURN (SPECIAL-USE)', {
    tag: 't3', name: 'LIST', reference: '', patterns: ['%'], selection: [], returnOptions: { specialUse: true }, extended: true,
  }],
  ['6851 MOVE', 'a UID MOVE 42:69 foo', { tag: 'a', name: 'MOVE', uid: true, sequence: seq('42:69'), mailbox: 'foo' }],
  ['7162 CONDSTORE', 'A160 SELECT INBOX (CONDSTORE)', { tag: 'A160', name: 'SELECT', mailbox: 'INBOX', condstore: true }],
  ['7162 CONDSTORE', 's100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)', {
    tag: 's100', name: 'FETCH', uid: true, sequence: seq('1:*'), attributes: [{ name: 'FLAGS' }], changedSince: 12345n,
  }],
  ['7162 CONDSTORE', 'a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)', {
    tag: 'a103', name: 'STORE', uid: true, sequence: seq('6,4,8'), operation: 'add', silent: true, flags: ['\\Deleted'], unchangedSince: 12121230045n,
  }],
  ['7162 CONDSTORE', 'a SEARCH MODSEQ "/flags/\\\\draft" all 620162338', {
    tag: 'a', name: 'SEARCH', uid: false, criteria: [{ key: 'MODSEQ', entry: { name: '/flags/\\draft', type: 'all' }, modseq: 620162338n }],
  }],
  ['7162 QRESYNC', 'A1 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)', {
    tag: 'A1', name: 'FETCH', uid: true, sequence: seq('300:500'), attributes: [{ name: 'FLAGS' }], changedSince: 12345n, vanished: true,
  }],
  ['7888 LITERAL+', 'A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man', { tag: 'A001', name: 'LOGIN', username: 'FRED FOOBAR', password: 'fat man' }],
  ['9051 UTF-8 quoted', 'A1 CREATE "Entwürfe"', { tag: 'A1', name: 'CREATE', mailbox: 'Entwürfe' }],
  ['9208 QUOTA', 'G0001 GETQUOTA "!partition/sda4"', { tag: 'G0001', name: 'GETQUOTA', root: '!partition/sda4' }],
  ['9208 QUOTA', 'A003 GETQUOTAROOT INBOX', { tag: 'A003', name: 'GETQUOTAROOT', mailbox: 'INBOX' }],
  ['9208 QUOTA', 'S0000 SETQUOTA "#user/alice" (STORAGE 510)', { tag: 'S0000', name: 'SETQUOTA', root: '#user/alice', limits: [{ resource: 'STORAGE', limit: 510n }] }],
  ['case folding', 'a1 uid fetch 1 (flags body.peek[header])', {
    tag: 'a1', name: 'FETCH', uid: true, sequence: seq('1'),
    attributes: [{ name: 'FLAGS' }, { name: 'BODY[]', peek: true, section: { part: [], specifier: 'HEADER' } }],
  }],
  ['inbox is case-insensitive', 'A1 SELECT inbox', { tag: 'A1', name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['[ in a mailbox atom', 'A1 SELECT [Gmail]/Sent', { tag: 'A1', name: 'SELECT', mailbox: '[Gmail]/Sent', condstore: false }],
  ['store flags without parens', 'A1 STORE 1 -FLAGS \\seen $Forwarded', {
    tag: 'A1', name: 'STORE', uid: false, sequence: seq('1'), operation: 'remove', silent: false, flags: ['\\Seen', '$Forwarded'],
  }],
  ['search nesting', 'A1 UID SEARCH OR (SEEN UNDELETED) NOT UID 1:5 HEADER X-Foo ""', {
    tag: 'A1', name: 'SEARCH', uid: true,
    criteria: [
      { key: 'OR', left: { key: 'AND', operands: [{ key: 'SEEN' }, { key: 'UNDELETED' }] }, right: { key: 'NOT', operand: { key: 'UID', sequence: seq('1:5') } } },
      { key: 'HEADER', field: 'X-Foo', value: '' },
    ],
  }],
];

test('RFC example commands parse to the expected AST', () => {
  for (const [source, wire, ast] of EXAMPLES) {
    const events = readAll(`${wire}\r\n`);
    const syncLiterals = (wire.match(/\{[0-9]+\}\r\n/g) ?? []).length;
    assert.equal(events.length, syncLiterals + 1, `${source}: ${show(events)}`);
    for (const e of events.slice(0, syncLiterals)) assert.equal(e.type, 'needContinuation', source);
    const last = events[events.length - 1];
    assert.equal(last.type, 'command', `${source}: ${show(last)}`);
    assert.deepStrictEqual(last.type === 'command' && last.command, ast, `${source}: ${wire}`);
  }
});
