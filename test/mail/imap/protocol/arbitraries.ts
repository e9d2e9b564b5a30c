/**
 * fast-check generators for the typed command AST. Each generator produces
 * exactly the shape the parser returns (optional fields absent, not undefined),
 * so parse(serialise(x)) can be compared with deepStrictEqual.
 */
import fc from 'fast-check';
import type {
  Command, FetchAttribute, ImapDateTime, ListCommand, SearchKey, SequenceSet, StatusItem,
} from '../../../../src/mail/imap/protocol/index.ts';
import { FETCH_MACROS, MAX_SEQ, SPECIAL_USE, SYSTEM_FLAGS } from '../../../../src/mail/imap/protocol/index.ts';

/** fc.record with ordinary prototypes, so deepStrictEqual compares like with like. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, opts: { requiredKeys?: Array<keyof T> } = {}): fc.Arbitrary<T> {
  return fc.record(model, { ...opts, noNullPrototype: true } as never) as unknown as fc.Arbitrary<T>;
}

export const tagArb = fc.stringMatching(/^[A-Za-z0-9.]{1,8}$/);
/** Mixes plain ASCII, any Unicode, and tokens that stress the atom/quoted/literal choice. */
export const textArb = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('', 'NIL', 'nil', '*', '%', '$', '0', '1', '007', '1:2', '1,*', '[Gmail]/Sent', 'a b', '"', '\\', '{5}', '~{3+}',
    'x {2}', 'BODY[', 'body[x]', 'BODY[]<0.1>', '&', '&-', '&AOQ-', '(', ')', ']', 'Ä', 'INBOX/Sub', '\r\n', '\u0000', 'x'.repeat(1100)),
);
export const mailboxArb = textArb.filter((s) => s.toUpperCase() !== 'INBOX');
const keywordArb = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$-]{0,10}$/);
export const flagArb = fc.oneof(fc.constantFrom(...SYSTEM_FLAGS), keywordArb);
const upperAtomArb = fc.stringMatching(/^[A-Z][A-Z0-9-]{0,12}$/);
const u32 = fc.integer({ min: 1, max: MAX_SEQ });
const modseqArb = fc.bigInt({ min: 1n, max: (1n << 63n) - 1n });

const seqValueArb = fc.oneof({ weight: 4, arbitrary: u32 }, { weight: 1, arbitrary: fc.constant('*' as const) });
export const sequenceSetArb: fc.Arbitrary<SequenceSet> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .array(fc.tuple(seqValueArb, fc.option(seqValueArb, { nil: undefined })), { minLength: 1, maxLength: 5 })
      .map((rs) => ({ kind: 'set' as const, ranges: rs.map(([s, e]) => ({ start: s, end: e ?? s })) })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'saved' as const }) },
);

const isoDateArb = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

export const dateTimeArb: fc.Arbitrary<ImapDateTime> = rec({
    secs: fc.integer({ min: Date.UTC(1000, 0, 2) / 1000, max: Date.UTC(9999, 11, 30) / 1000 }),
    offsetMinutes: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
  })
  .map(({ secs, offsetMinutes }) => ({ date: new Date(secs * 1000), offsetMinutes }));

const leafKeyArb: fc.Arbitrary<SearchKey> = fc.oneof(
  fc.constantFrom('ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'SEEN',
    'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN').map((key) => ({ key }) as SearchKey),
  rec({ key: fc.constantFrom('BCC', 'BODY', 'CC', 'FROM', 'SUBJECT', 'TEXT', 'TO'), value: textArb }) as fc.Arbitrary<SearchKey>,
  rec({ key: fc.constantFrom('KEYWORD', 'UNKEYWORD'), flag: keywordArb }) as fc.Arbitrary<SearchKey>,
  rec({ key: fc.constantFrom('BEFORE', 'ON', 'SINCE', 'SENTBEFORE', 'SENTON', 'SENTSINCE'), date: isoDateArb }) as fc.Arbitrary<SearchKey>,
  rec({ key: fc.constant('HEADER' as const), field: textArb, value: textArb }),
  rec({ key: fc.constantFrom('LARGER', 'SMALLER'), size: fc.maxSafeNat() }) as fc.Arbitrary<SearchKey>,
  rec({ key: fc.constantFrom('OLDER', 'YOUNGER'), seconds: u32 }) as fc.Arbitrary<SearchKey>,
  rec({ key: fc.constantFrom('UID', 'SEQUENCE'), sequence: sequenceSetArb }) as fc.Arbitrary<SearchKey>,
  rec(
    {
      key: fc.constant('MODSEQ' as const),
      modseq: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      entry: rec({
        name: fc.oneof(fc.constantFrom(...SYSTEM_FLAGS), keywordArb).map((f) => `/flags/${f}`),
        type: fc.constantFrom('priv' as const, 'shared' as const, 'all' as const),
      }),
    },
    { requiredKeys: ['key', 'modseq'] },
  ),
);

export const searchKeyArb: fc.Arbitrary<SearchKey> = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafKeyArb,
    tie('key').map((operand) => ({ key: 'NOT' as const, operand })),
    fc.tuple(tie('key'), tie('key')).map(([left, right]) => ({ key: 'OR' as const, left, right })),
    fc.array(tie('key'), { minLength: 1, maxLength: 3 }).map((operands) => ({ key: 'AND' as const, operands })),
  ),
})).key;

const searchKeysArb = fc.array(searchKeyArb, { minLength: 1, maxLength: 3 });
const partArb = fc.array(fc.integer({ min: 1, max: 999 }), { maxLength: 3 });
const partialArb = rec({ offset: fc.integer({ min: 0, max: MAX_SEQ }), length: fc.integer({ min: 1, max: MAX_SEQ }) });
const fieldNameArb = fc.stringMatching(/^[!-9;-~]{1,12}$/);

const sectionArb = fc.oneof(
  partArb.map((part) => ({ part })),
  rec({ part: partArb, specifier: fc.constantFrom('HEADER' as const, 'TEXT' as const) }),
  rec({ part: fc.array(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 3 }), specifier: fc.constant('MIME' as const) }),
  rec({
    part: partArb,
    specifier: fc.constantFrom('HEADER.FIELDS' as const, 'HEADER.FIELDS.NOT' as const),
    fields: fc.array(fieldNameArb, { minLength: 1, maxLength: 4 }),
  }),
);

const fetchAttributeArb: fc.Arbitrary<FetchAttribute> = fc.oneof(
  fc.constantFrom('ENVELOPE', 'FLAGS', 'INTERNALDATE', 'RFC822', 'RFC822.HEADER', 'RFC822.SIZE', 'RFC822.TEXT',
    'UID', 'BODYSTRUCTURE', 'BODY', 'MODSEQ').map((name) => ({ name }) as FetchAttribute),
  rec({ name: fc.constant('BODY[]' as const), peek: fc.boolean(), section: sectionArb, partial: partialArb }, { requiredKeys: ['name', 'peek', 'section'] }),
  rec({ name: fc.constant('BINARY[]' as const), peek: fc.boolean(), part: partArb, partial: partialArb }, { requiredKeys: ['name', 'peek', 'part'] }),
  rec({ name: fc.constant('BINARY.SIZE' as const), part: partArb }),
);

const statusItemsArb = fc.uniqueArray(
  fc.constantFrom<StatusItem>('MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'HIGHESTMODSEQ', 'APPENDLIMIT'),
  { minLength: 1, maxLength: 4 },
);

const listArb = (tag: string): fc.Arbitrary<ListCommand> =>
  fc.oneof(
    rec({ reference: mailboxArb, pattern: mailboxArb }).map(({ reference, pattern }) => ({
      tag, name: 'LIST' as const, reference, patterns: [pattern], selection: [], returnOptions: {}, extended: false,
    })),
    rec({
        reference: mailboxArb,
        patterns: fc.array(mailboxArb, { minLength: 1, maxLength: 3 }),
        selection: fc.uniqueArray(fc.constantFrom('SUBSCRIBED' as const, 'REMOTE' as const, 'RECURSIVEMATCH' as const, 'SPECIAL-USE' as const)),
        returnOptions: rec(
          { subscribed: fc.constant(true as const), children: fc.constant(true as const), specialUse: fc.constant(true as const), status: statusItemsArb },
          { requiredKeys: [] },
        ),
      })
      .filter((l) => !l.selection.includes('RECURSIVEMATCH') || l.selection.some((s) => s === 'SUBSCRIBED' || s === 'SPECIAL-USE'))
      .map((l) => ({ tag, name: 'LIST' as const, ...l, extended: true })),
  );

const bufferArb = fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u));

function commandFor(tag: string): fc.Arbitrary<Command> {
  const uid = fc.boolean();
  return fc.oneof(
    fc.constantFrom('CAPABILITY', 'NOOP', 'LOGOUT', 'STARTTLS', 'CHECK', 'CLOSE', 'UNSELECT', 'IDLE', 'NAMESPACE').map((name) => ({ tag, name }) as Command),
    rec({ mechanism: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,19}$/), initialResponse: bufferArb }, { requiredKeys: ['mechanism'] })
      .map((r) => ({ tag, name: 'AUTHENTICATE' as const, ...r })),
    rec({ username: textArb, password: textArb }).map((r) => ({ tag, name: 'LOGIN' as const, ...r })),
    rec({ name: fc.constantFrom('SELECT' as const, 'EXAMINE' as const), mailbox: mailboxArb, condstore: fc.boolean() }).map((r) => ({ tag, ...r })),
    rec({ mailbox: mailboxArb, specialUse: fc.uniqueArray(fc.constantFrom(...SPECIAL_USE), { maxLength: 2 }) }, { requiredKeys: ['mailbox'] })
      .map((r) => ({ tag, name: 'CREATE' as const, ...r })),
    rec({ name: fc.constantFrom('DELETE' as const, 'SUBSCRIBE' as const, 'UNSUBSCRIBE' as const), mailbox: mailboxArb }).map((r) => ({ tag, ...r })),
    rec({ from: mailboxArb, to: mailboxArb }).map((r) => ({ tag, name: 'RENAME' as const, ...r })),
    listArb(tag),
    rec({ reference: mailboxArb, pattern: mailboxArb }).map((r) => ({ tag, name: 'LSUB' as const, ...r })),
    rec({ mailbox: mailboxArb, items: statusItemsArb }).map((r) => ({ tag, name: 'STATUS' as const, ...r })),
    rec({
      mailbox: mailboxArb,
      messages: fc.array(
        rec({ flags: fc.uniqueArray(flagArb, { maxLength: 3 }), date: dateTimeArb, message: bufferArb, binary: fc.boolean() }, { requiredKeys: ['flags', 'message', 'binary'] })
          // only a literal8 may carry NUL (RFC 3516), so such a message is always binary
          .map((m) => (m.message.includes(0) ? { ...m, binary: true } : m)),
        { minLength: 1, maxLength: 3 },
      ),
    }).map((r) => ({ tag, name: 'APPEND' as const, ...r })),
    fc.oneof(
      fc.constant({ tag, name: 'EXPUNGE' as const, uid: false }),
      sequenceSetArb.map((sequence) => ({ tag, name: 'EXPUNGE' as const, uid: true, sequence })),
    ),
    rec(
      {
        uid, charset: fc.constant('UTF-8'), criteria: searchKeysArb,
        returnOptions: fc.uniqueArray(fc.constantFrom('MIN' as const, 'MAX' as const, 'ALL' as const, 'COUNT' as const, 'SAVE' as const)),
      },
      { requiredKeys: ['uid', 'criteria'] },
    ).map((r) => ({ tag, name: 'SEARCH' as const, ...r })),
    rec({
      uid,
      sequence: sequenceSetArb,
      body: fc.oneof(
        fc.constantFrom('ALL' as const, 'FAST' as const, 'FULL' as const).map((macro) => ({ macro, attributes: FETCH_MACROS[macro].map((a) => ({ ...a })) })),
        fc.array(fetchAttributeArb, { minLength: 1, maxLength: 4 }).map((attributes) => ({ attributes })),
      ),
      changedSince: fc.option(modseqArb, { nil: undefined }),
      vanished: fc.boolean(),
    }).map(({ uid: u, sequence, body, changedSince, vanished }) => ({
      tag, name: 'FETCH' as const, uid: u, sequence, ...body,
      ...(changedSince !== undefined ? { changedSince } : {}),
      ...(vanished && u && changedSince !== undefined ? { vanished: true as const } : {}),
    })),
    rec(
      {
        uid, sequence: sequenceSetArb, operation: fc.constantFrom('set' as const, 'add' as const, 'remove' as const),
        silent: fc.boolean(), flags: fc.uniqueArray(flagArb, { maxLength: 4 }), unchangedSince: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      },
      { requiredKeys: ['uid', 'sequence', 'operation', 'silent', 'flags'] },
    ).filter((s) => s.flags.length > 0 || s.operation === 'set').map((r) => ({ tag, name: 'STORE' as const, ...r })),
    rec({ name: fc.constantFrom('COPY' as const, 'MOVE' as const), uid, sequence: sequenceSetArb, mailbox: mailboxArb }).map((r) => ({ tag, ...r })),
    fc.array(fc.stringMatching(/^[A-Z][A-Z0-9=+-]{0,15}$/), { minLength: 1, maxLength: 3 }).map((capabilities) => ({ tag, name: 'ENABLE' as const, capabilities })),
    fc.option(fc.array(rec({ key: textArb, value: fc.option(textArb, { nil: null }) }), { maxLength: 4 }), { nil: null })
      .map((parameters) => ({ tag, name: 'ID' as const, parameters })),
    textArb.map((root) => ({ tag, name: 'GETQUOTA' as const, root })),
    mailboxArb.map((mailbox) => ({ tag, name: 'GETQUOTAROOT' as const, mailbox })),
    rec({ root: textArb, limits: fc.array(rec({ resource: upperAtomArb, limit: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }) }), { maxLength: 3 }) })
      .map((r) => ({ tag, name: 'SETQUOTA' as const, ...r })),
    rec({
      uid,
      criteria: fc.array(rec({ key: fc.constantFrom('ARRIVAL' as const, 'CC' as const, 'DATE' as const, 'FROM' as const, 'SIZE' as const, 'SUBJECT' as const, 'TO' as const, 'DISPLAYFROM' as const, 'DISPLAYTO' as const), reverse: fc.boolean() }), { minLength: 1, maxLength: 4 }),
      charset: fc.constantFrom('UTF-8', 'US-ASCII'),
      search: searchKeysArb.filter((k) => JSON.stringify(k, (_, v) => (typeof v === 'bigint' ? String(v) : v)).split('').every((c) => c.charCodeAt(0) < 0x80)),
    }).map((r) => ({ tag, name: 'SORT' as const, ...r })),
    rec({ uid, algorithm: fc.constantFrom('REFERENCES', 'ORDEREDSUBJECT'), charset: fc.constant('UTF-8'), search: searchKeysArb })
      .map((r) => ({ tag, name: 'THREAD' as const, ...r })),
  ) as fc.Arbitrary<Command>;
}

// built once: constructing the arbitraries per sample would dominate the run time
const untaggedCommandArb = commandFor('');
export const commandArb: fc.Arbitrary<Command> = fc.tuple(tagArb, untaggedCommandArb).map(([tag, c]) => ({ ...c, tag }));

/** JSON for assertion messages: Buffers and bigints made readable. */
export function show(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v && v.type === 'Buffer' ? `<${v.data.length} bytes>` : v));
}
