/** The pure parts of the server: base subjects, SORT, THREAD, and body sections. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageFacts } from '../../../../src/mail/store/index.ts';
import { baseSubject, sortMessages } from '../../../../src/mail/imap/server/sort-keys.ts';
import { threadByOrderedSubject, threadByReferences } from '../../../../src/mail/imap/server/thread-references.ts';
import { MessageParts } from '../../../../src/mail/imap/server/body-sections.ts';
import { listMatcher } from '../../../../src/mail/imap/server/mailbox-names.ts';

function facts(uid: number, subject: string, opts: { id?: string; inReplyTo?: string; day?: number; from?: string; size?: number } = {}): MessageFacts {
  return {
    uid, modseq: uid, size: opts.size ?? 100 * uid, internalDate: new Date(Date.UTC(2026, 0, opts.day ?? uid)), sentDate: new Date(Date.UTC(2026, 0, opts.day ?? uid)),
    flags: [], blobSha256: String(uid),
    envelope: {
      date: null, subject, from: [{ name: null, mailbox: opts.from ?? `p${uid}`, host: 'x.example' }], sender: null, replyTo: null, to: null, cc: null, bcc: null,
      inReplyTo: opts.inReplyTo ?? null, messageId: opts.id ?? `<m${uid}@x>`,
    },
  };
}

test('the base subject drops reply and forward prefixes, list tags and (fwd)', () => {
  const cases: Array<[string, string]> = [
    ['Re: Discharge', 'discharge'], ['RE: re: Fwd: Discharge', 'discharge'], ['[ward7] Re: Discharge (fwd)', 'discharge'],
    ['[Fwd: Discharge]', 'discharge'], ['  Discharge   summary ', 'discharge summary'], ['=?utf-8?Q?Re=3A_Caf=C3=A9?=', 'café'],
  ];
  for (const [input, expected] of cases) assert.equal(baseSubject(input), expected, input);
});

test('SORT orders by the keys given, reversed where asked, ties by UID', () => {
  const ms = [facts(1, 'b', { from: 'zed', size: 5 }), facts(2, 'Re: a', { from: 'amy', size: 5 }), facts(3, 'c', { from: 'amy', size: 1 })];
  assert.deepEqual(sortMessages(ms, [{ key: 'SUBJECT', reverse: false }]).map((m) => m.uid), [2, 1, 3]);
  assert.deepEqual(sortMessages(ms, [{ key: 'FROM', reverse: false }, { key: 'SIZE', reverse: true }]).map((m) => m.uid), [2, 3, 1]);
  assert.deepEqual(sortMessages(ms, [{ key: 'SIZE', reverse: false }]).map((m) => m.uid), [3, 1, 2]);
});

test('THREAD REFERENCES links replies under their parents and gathers by subject', () => {
  const ms = [
    facts(1, 'Rota'), facts(2, 'Re: Rota', { inReplyTo: '<m1@x>' }), facts(3, 'Other'),
    facts(4, 'Re: Rota', { inReplyTo: '<m2@x>' }), facts(5, 'Re: Other'), facts(6, 'Re: Rota', { inReplyTo: '<m1@x>' }),
  ];
  const refs = new Map<number, string | null>([[4, '<m1@x> <m2@x>']]);
  const roots = threadByReferences(ms, refs, (m) => m.uid);
  assert.deepEqual(roots, [
    { id: 1, children: [{ id: 2, children: [{ id: 4, children: [] }] }, { id: 6, children: [] }] },
    { id: null, children: [{ id: 3, children: [] }, { id: 5, children: [] }] },
  ]);
  assert.deepEqual(threadByOrderedSubject(ms, (m) => m.uid).map((t) => [t.id, t.children.map((c) => c.id)]), [[1, [2, 4, 6]], [3, [5]]]);
});

test('body sections cut the exact octets: header, text, parts, MIME headers, header fields', () => {
  const raw = Buffer.from([
    'Subject: Hi', 'From: a@x.example', 'Content-Type: multipart/mixed; boundary=b', '', 'preamble', '--b',
    'Content-Type: text/plain', '', 'first part', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', 'aGVsbG8=', '--b--', '',
  ].join('\r\n'));
  const p = new MessageParts(raw);
  assert.equal(p.section({ part: [] }).toString(), raw.toString());
  assert.match(p.section({ part: [], specifier: 'HEADER' }).toString(), /^Subject: Hi\r\n.*\r\n\r\n$/s);
  assert.equal(p.section({ part: [], specifier: 'HEADER.FIELDS', fields: ['subject'] }).toString(), 'Subject: Hi\r\n\r\n');
  assert.equal(p.section({ part: [1] }).toString(), 'first part');
  assert.equal(p.section({ part: [2], specifier: 'MIME' }).toString(), 'Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n');
  assert.equal(p.binary([2]).toString(), 'hello');
  assert.equal(p.section({ part: [9] }).length, 0);
});

test('LIST patterns: * crosses levels, % does not, INBOX in any case', () => {
  const names = ['INBOX', 'Projects', 'Projects/2026', 'Projects/2026/Q1', 'Sent'];
  const match = (ref: string, pat: string) => names.filter(listMatcher(ref, pat));
  assert.deepEqual(match('', '*'), names);
  assert.deepEqual(match('', '%'), ['INBOX', 'Projects', 'Sent']);
  assert.deepEqual(match('Projects/', '%'), ['Projects/2026']);
  assert.deepEqual(match('', 'Proj*Q1'), ['Projects/2026/Q1']);
  assert.deepEqual(match('', 'inbox'), ['INBOX']);
});
