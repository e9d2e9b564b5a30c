/**
 * Commands as a real client library (imapflow, a dev dependency) writes them
 * must parse. imapflow's own compiler produces the bytes, so quoting and
 * literal choices are theirs, not ours.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import { parseCommand, parseSequenceSet as seq, type Command } from '../../../../src/mail/imap/protocol/index.ts';

type Input = Parameters<typeof compiler>[0];
const atom = (value: string, extra: object = {}) => ({ type: 'ATOM', value, ...extra });
const str = (value: string) => ({ type: 'STRING', value });
const lit = (value: string | Buffer) => ({ type: 'LITERAL', value });

const CASES: Array<[Input, Command]> = [
  [{ tag: '1', command: 'LOGIN', attributes: [str('user@example.org'), str('pa"ss\\word')] }, { tag: '1', name: 'LOGIN', username: 'user@example.org', password: 'pa"ss\\word' }],
  [{ tag: '2', command: 'SELECT', attributes: [str('Entw&APw-rfe'), [atom('CONDSTORE')]] }, { tag: '2', name: 'SELECT', mailbox: 'Entwürfe', condstore: true }],
  [
    {
      tag: '3', command: 'UID FETCH',
      attributes: [
        { type: 'SEQUENCE', value: '1:*' },
        [atom('UID'), atom('FLAGS'), atom('BODY.PEEK', { section: [atom('HEADER.FIELDS'), [atom('DATE'), atom('SUBJECT')]] }), atom('BINARY.PEEK', { section: [atom('1')], partial: [0, 1024] })],
        [atom('CHANGEDSINCE'), atom('100')],
      ],
    },
    {
      tag: '3', name: 'FETCH', uid: true, sequence: seq('1:*'),
      attributes: [
        { name: 'UID' }, { name: 'FLAGS' },
        { name: 'BODY[]', peek: true, section: { part: [], specifier: 'HEADER.FIELDS', fields: ['DATE', 'SUBJECT'] } },
        { name: 'BINARY[]', peek: true, part: [1], partial: { offset: 0, length: 1024 } },
      ],
      changedSince: 100n,
    },
  ],
  [
    { tag: '4', command: 'UID STORE', attributes: [{ type: 'SEQUENCE', value: '5,7:9' }, atom('+FLAGS.SILENT'), [atom('\\Seen'), atom('$Label1')]] },
    { tag: '4', name: 'STORE', uid: true, sequence: seq('5,7:9'), operation: 'add', silent: true, flags: ['\\Seen', '$Label1'] },
  ],
  [
    { tag: '5', command: 'UID SEARCH', attributes: [atom('RETURN'), [atom('ALL')], atom('OR'), atom('FROM'), str('bob'), atom('SUBJECT'), lit(Buffer.from('Grüße')), atom('SINCE'), atom('1-Jan-2024')] },
    {
      tag: '5', name: 'SEARCH', uid: true, returnOptions: ['ALL'],
      criteria: [{ key: 'OR', left: { key: 'FROM', value: 'bob' }, right: { key: 'SUBJECT', value: 'Grüße' } }, { key: 'SINCE', date: '2024-01-01' }],
    },
  ],
  [
    { tag: '6', command: 'APPEND', attributes: [str('Sent'), [atom('\\Seen')], str('01-Jan-2024 10:00:00 +0100'), lit('Subject: hi\r\n\r\nbody\r\n')] },
    {
      tag: '6', name: 'APPEND', mailbox: 'Sent',
      messages: [{ flags: ['\\Seen'], date: { date: new Date('2024-01-01T09:00:00Z'), offsetMinutes: 60 }, message: Buffer.from('Subject: hi\r\n\r\nbody\r\n'), binary: false }],
    },
  ],
  [
    { tag: '7', command: 'LIST', attributes: [str(''), str('*'), atom('RETURN'), [atom('SPECIAL-USE'), atom('STATUS'), [atom('MESSAGES'), atom('UNSEEN')]]] },
    { tag: '7', name: 'LIST', reference: '', patterns: ['*'], selection: [], returnOptions: { specialUse: true, status: ['MESSAGES', 'UNSEEN'] }, extended: true },
  ],
  [
    { tag: '8', command: 'ID', attributes: [[str('name'), str('imapflow'), str('version'), str('2.1.2')]] },
    { tag: '8', name: 'ID', parameters: [{ key: 'name', value: 'imapflow' }, { key: 'version', value: '2.1.2' }] },
  ],
  [{ tag: '9', command: 'UID MOVE', attributes: [{ type: 'SEQUENCE', value: '42' }, str('Archive')] }, { tag: '9', name: 'MOVE', uid: true, sequence: seq('42'), mailbox: 'Archive' }],
  [{ tag: '10', command: 'ENABLE', attributes: [atom('CONDSTORE'), atom('UTF8=ACCEPT')] }, { tag: '10', name: 'ENABLE', capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] }],
];

test('commands compiled by imapflow parse to the expected AST', async () => {
  for (const [input, expected] of CASES) {
    for (const literalPlus of [true, false]) {
      // segments split at literals come back as an array: join them as the socket would
      const out: Buffer | Buffer[] = await compiler(input, { literalPlus });
      const wire = Array.isArray(out) ? Buffer.concat(out) : out;
      let parsed: Command;
      try {
        parsed = parseCommand(wire);
      } catch (e) {
        throw new Error(`${JSON.stringify(wire.toString('latin1'))}: ${String(e)}`);
      }
      assert.deepStrictEqual(parsed, expected, JSON.stringify(wire.toString('latin1')));
    }
  }
});
