import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandReader, ImapParseError, errorResponse, parseCommand, type ReaderErrorEvent } from '../../../../src/mail/imap/protocol/index.ts';

/** [input, expected tag (undefined = unreadable), reason pattern] */
const CASES: Array<[string, string | undefined, RegExp]> = [
  ['A1 FOO', 'A1', /^Unknown command "FOO"$/],
  ['A1', 'A1', /^Missing command name$/],
  ['', undefined, /^Empty command line$/],
  ['* NOOP', undefined, /Missing or invalid tag/],
  ['A"1 NOOP', undefined, /Missing or invalid tag|Invalid character/],
  ['A1 LOGIN user', 'A1', /^Missing argument: password$/],
  ['A1 LOGIN', 'A1', /^Missing argument: user name$/],
  ['A1 NOOP extra', 'A1', /^Unexpected extra argument: atom "extra"$/],
  ['A1 SELECT INBOX  ', 'A1', /Unexpected extra space/],
  ['A1 FETCH 1:0x FLAGS', 'A1', /^Bad sequence set "1:0x"/],
  ['A1 FETCH 0 FLAGS', 'A1', /numbers start at 1/],
  ['A1 FETCH 1 (FLAGS', 'A1', /^Unbalanced parenthesis: missing "\)"$/],
  ['A1 FETCH 1 FLAGS)', 'A1', /Unbalanced parenthesis: unexpected "\)"|Expected a space/],
  ['A1 SEARCH (SEEN))', 'A1', /Unbalanced parenthesis|Expected a space/],
  ['A1 SEARCH SINCE 32-Jan-2020', 'A1', /^Bad date "32-Jan-2020": day out of range$/],
  ['A1 SEARCH SINCE 1-Foo-2020', 'A1', /unknown month/],
  ['A1 SEARCH BEFORE 2020-01-01', 'A1', /expected d-Mon-yyyy/],
  ['A1 APPEND INBOX "31-Feb-2020 00:00:00 +0000" {1+}\r\nx', 'A1', /^Bad date "31-Feb-2020 00:00:00 \+0000": day out of range$/],
  ['A1 APPEND INBOX "01-Feb-2020 24:00:00 +0000" {1+}\r\nx', 'A1', /Bad date-time .*time out of range/],
  ['A1 APPEND INBOX "01-Feb-2020 10:00 +0000" {1+}\r\nx', 'A1', /Bad date-time .*expected/],
  ['A1 APPEND INBOX "hello"', 'A1', /APPEND message must be a literal/],
  ['A1 APPEND INBOX', 'A1', /Missing argument: message literal/],
  ['A1 SEARCH FOO', 'A1', /^Unknown search key "FOO"$/],
  ['A1 SEARCH NOT', 'A1', /^Missing argument: search key$/],
  ['A1 SEARCH', 'A1', /^Missing argument: search key$/],
  ['A1 SEARCH ()', 'A1', /Empty parentheses in search/],
  ['A1 SEARCH CHARSET X-NOPE ALL', 'A1', /^Unsupported charset "X-NOPE"$/],
  ['A1 SEARCH RETURN (BOGUS) ALL', 'A1', /Unknown SEARCH return option/],
  ['A1 SEARCH LARGER abc', 'A1', /Expected size after LARGER \(a number\)/],
  ['A1 FETCH 1 (FOO)', 'A1', /^Unknown fetch attribute "FOO"$/],
  ['A1 FETCH 1 ()', 'A1', /Empty fetch attribute list/],
  ['A1 FETCH 1 BODY[MIME]', 'A1', /MIME needs a part number/],
  ['A1 FETCH 1 BODY[1.0]', 'A1', /part numbers start at 1/],
  ['A1 FETCH 1 BODY[HEADER.FIELDS]', 'A1', /Missing argument: header field names/],
  ['A1 FETCH 1 BODY[HEADER.FIELDS ()]', 'A1', /needs at least one field name/],
  ['A1 FETCH 1 BODY[FOO]', 'A1', /Bad section "FOO"/],
  ['A1 FETCH 1 BODY[]<0>', 'A1', /partial must be <offset.length>/],
  ['A1 FETCH 1 BODY[HEADER', 'A1', /Missing "\]" after section/],
  ['A1 FETCH 1 BINARY[TEXT]', 'A1', /only part numbers/],
  ['A1 FETCH 1 FLAGS (CHANGEDSINCE 0)', 'A1', /CHANGEDSINCE mod-sequence 0 is out of range/],
  ['A1 FETCH 1 FLAGS (VANISHED)', 'A1', /VANISHED needs UID FETCH with CHANGEDSINCE/],
  ['A1 STORE 1 +FLAGS (\\Recent)', 'A1', /\\Recent cannot be set/],
  ['A1 STORE 1 +FLAGS (\\Bogus)', 'A1', /Unknown system flag/],
  ['A1 STORE 1 FLAGZ (\\Seen)', 'A1', /^Bad store item "FLAGZ"/],
  ['A1 STORE 1 +FLAGS', 'A1', /Missing argument: flags/],
  ['A1 SELECT "unterminated', 'A1', /^Unterminated quoted string$/],
  ['A1 LOGIN "a\\qb" c', 'A1', /may be escaped/],
  ['A1 SELECT &Jjo', 'A1', /not valid modified UTF-7/],
  ['A1 SELECT INBOX ()', 'A1', /Empty SELECT parameter list/],
  ['A1 SELECT INBOX (QRESYNC)', 'A1', /Unknown SELECT parameter/],
  ['A1 CREATE x (USE (\\Bogus))', 'A1', /Unknown special-use attribute/],
  ['A1 LIST (RECURSIVEMATCH) "" %', 'A1', /RECURSIVEMATCH needs another selection option/],
  ['A1 LIST (BOGUS) "" %', 'A1', /Unknown LIST selection option/],
  ['A1 LIST "" % RETURN (BOGUS)', 'A1', /Unknown LIST return option/],
  ['A1 LIST "" % EXTRA', 'A1', /Unexpected extra argument/],
  ['A1 STATUS INBOX ()', 'A1', /Empty STATUS item list/],
  ['A1 STATUS INBOX (FOO)', 'A1', /Unknown STATUS item/],
  ['A1 ID ("a")', 'A1', /field\/value pairs/],
  ['A1 ID', 'A1', /Missing argument: ID parameter list or NIL/],
  ['A1 AUTHENTICATE PLAIN !!!', 'A1', /Initial response is not valid base64/],
  ['A1 SORT () UTF-8 ALL', 'A1', /Empty sort criteria list/],
  ['A1 SORT (REVERSE) UTF-8 ALL', 'A1', /REVERSE must be followed by a sort key/],
  ['A1 SORT (DATE) UTF-8', 'A1', /Missing argument: search key/],
  ['A1 THREAD FOO UTF-8 ALL', 'A1', /Unsupported thread algorithm "FOO"/],
  ['A1 UID FOO 1', 'A1', /UID cannot be used with "FOO"/],
  ['A1 UID', 'A1', /Missing argument: UID subcommand/],
  ['A1 UID EXPUNGE', 'A1', /Missing argument: UID set/],
  ['A1 SETQUOTA "" (STORAGE)', 'A1', /resource\/limit pairs/],
  ['A1 ENABLE', 'A1', /Missing argument: capability name/],
  ['A1 LOGIN {5} x', 'A1', /literal not at end of line|Malformed literal/],
  ['A1 SELECT a\u0001b', 'A1', /Control characters|Expected a space/],
];

test('each malformed command gets its tag and a clear reason', () => {
  for (const [input, tag, reason] of CASES) {
    assert.throws(
      () => parseCommand(input),
      (e: unknown) => {
        assert.ok(e instanceof ImapParseError, `${input}: not an ImapParseError`);
        assert.equal(e.tag, tag, `${JSON.stringify(input)}: tag`);
        assert.match(e.reason, reason, `${JSON.stringify(input)}: reason was ${JSON.stringify(e.reason)}`);
        assert.equal(e.fatal, false);
        return true;
      },
      input,
    );
  }
});

test('BADCHARSET is suggested as NO [BADCHARSET]', () => {
  const events = new CommandReader().push(Buffer.from('A1 SEARCH CHARSET X-NOPE ALL\r\n'));
  const e = events[0] as ReaderErrorEvent;
  assert.equal(e.code, 'BADCHARSET');
  assert.equal(e.status, 'NO');
  assert.equal(errorResponse(e).toString(), 'A1 NO [BADCHARSET] Unsupported charset "X-NOPE"\r\n');
});

test('error events turn into ready-to-send replies', () => {
  const [bad] = new CommandReader().push(Buffer.from('A1 FOO\r\n')) as ReaderErrorEvent[];
  assert.deepStrictEqual(bad, { type: 'error', tag: 'A1', command: 'FOO', reason: 'Unknown command "FOO"', status: 'BAD', fatal: false });
  assert.equal(errorResponse(bad).toString(), 'A1 BAD Unknown command "FOO"\r\n');
  const [untaggedBad] = new CommandReader().push(Buffer.from('(junk\r\n')) as ReaderErrorEvent[];
  assert.equal(errorResponse(untaggedBad).toString(), '* BAD Missing or invalid tag\r\n');
  const [big] = new CommandReader({ maxLiteralSize: 5 }).push(Buffer.from('A2 APPEND INBOX {6}\r\n')) as ReaderErrorEvent[];
  assert.equal(errorResponse(big).toString(), 'A2 NO [TOOBIG] Literal of 6 bytes exceeds the limit of 5\r\n');
});

test('client text in a reason cannot break the reply line', () => {
  const [e] = new CommandReader().push(Buffer.from(`A1 ${'X'.repeat(300)}\r\n`)) as ReaderErrorEvent[];
  assert.ok(e.reason.length <= 200);
  const [q] = new CommandReader().push(Buffer.from('A1 SEARCH "a\r\n')) as ReaderErrorEvent[];
  assert.doesNotMatch(errorResponse(q).toString().slice(0, -2), /[\r\n]/);
});
