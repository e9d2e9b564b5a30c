import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RawSmtp } from './raw-client.ts';
import { mxServerForTests } from './setup.ts';

/**
 * Our SMTP handlers (sender and recipient checks, DATA) under random input:
 * every command gets a well-formed reply (or a clean close), the server stays
 * up, and whatever is queued is whole.
 */
const t = mxServerForTests({ maxBytes: 32 * 1024 });

const printable = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.@-_+<>:" =\u00e9\u00fc'.split('')), maxLength: 40 });
const address = fc.oneof(
  fc.constantFrom('jane.smith@care.example', 'JANE.SMITH@CARE.EXAMPLE', 'nobody@care.example', 'x@elsewhere.example', '', 'postmaster'),
  printable,
  fc.tuple(printable, fc.constantFrom('care.example', 'x.example', '')).map(([l, d]) => `${l}@${d}`),
);
const command = fc.oneof(
  address.map((a) => `MAIL FROM:<${a}>`),
  address.map((a) => `RCPT TO:<${a}>`),
  fc.tuple(address, fc.constantFrom(' SIZE=100', ' BODY=8BITMIME', ' SMTPUTF8', ' SIZE=abc', ' FOO=bar', '')).map(([a, p]) => `MAIL FROM:<${a}>${p}`),
  fc.constantFrom('RSET', 'NOOP', 'HELO x', 'EHLO y', 'VRFY jane', 'HELP', 'DATA', 'BDAT 10', 'AUTH PLAIN', 'STARTTLS x'),
  printable,
);

test('random command sequences always get a reply and never a crash', async () => {
  const before = Number((await t.database.db.selectFrom('mail_queue').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), fc.string({ maxLength: 300 }), async (commands, body) => {
      const c = await RawSmtp.open(t.port);
      try {
        await c.send('EHLO fuzz.example');
        for (const cmd of commands) {
          const r = await c.send(cmd.replace(/[\r\n]/g, ' '));
          if (r === '') return; // the server may hang up on nonsense; that is a clean drop
          assert.match(r, /^\d{3}[ -]/);
          if (/^354/.test(r)) {
            const end = await c.send(`${body.replace(/\r?\n\./g, '\n..')}\r\n.`);
            if (end === '') return;
            assert.match(end, /^(250|451|452|552|554)[ -]/);
            if (/^250/.test(end)) accepted++;
          }
        }
      } finally {
        c.close();
      }
    }),
    { numRuns: 120 },
  );
  const c = await RawSmtp.open(t.port);
  assert.match(await c.send('EHLO after.fuzz'), /^250/);
  c.close();
  const after = Number((await t.database.db.selectFrom('mail_queue').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  assert.equal(after - before, accepted, 'every 250 is exactly one queued message');
  const orphans = await t.database.db.selectFrom('mail_queue').leftJoin('mail_blobs', 'mail_blobs.sha256', 'mail_queue.blob_sha256').where('mail_blobs.sha256', 'is', null).select('mail_queue.id').execute();
  assert.equal(orphans.length, 0);
});
