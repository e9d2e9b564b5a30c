/**
 * Python's standard imaplib (a client no one here wrote) against the server,
 * over STARTTLS and over implicit TLS.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { imapWorld, JANE, PASSWORD, sampleMessage, type ImapWorld, runProgram } from './helpers.ts';

const python = spawnSync('python3', ['--version']).status === 0;
let world: ImapWorld;

before(async () => {
  world = await imapWorld();
  for (let n = 1; n <= 10; n++) await world.deliver(JANE, sampleMessage(n));
});
after(() => world.close());

const SCRIPT = String.raw`
import imaplib, json, ssl, sys
port, tls_port, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
m = imaplib.IMAP4('127.0.0.1', port)
out['caps_before'] = list(m.capabilities)
m.starttls(ssl_context=ctx)
out['login'] = m.login(user, password)[0]
typ, data = m.list()
out['folders'] = [d.decode() for d in data]
typ, data = m.select('INBOX')
out['exists'] = int(data[0])
typ, data = m.search(None, 'SUBJECT', '"Message 7"')
out['search'] = data[0].decode()
typ, data = m.fetch('7', '(RFC822)')
out['body'] = data[0][1].decode()
typ, data = m.store('1:2', '+FLAGS', '(\\Flagged)')
out['store'] = [d.decode() for d in data]
typ, data = m.append('INBOX', '(\\Seen)', imaplib.Time2Internaldate(1_700_000_000), b'Subject: from python\r\n\r\nhello\r\n')
out['append'] = [d.decode() for d in data]
typ, data = m.uid('SEARCH', None, 'FLAGGED')
out['uid_flagged'] = data[0].decode()
typ, data = m.uid('FETCH', '11', '(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
out['uid_fetch'] = repr(data)
m.store('3', '+FLAGS', '(\\Deleted)')
typ, data = m.expunge()
out['expunge'] = [d.decode() for d in data if d]
typ, data = m.getquotaroot('INBOX')
out['quota'] = repr(data)
typ, data = m.namespace()
out['namespace'] = data[0].decode()
m.close(); m.logout()
s = imaplib.IMAP4_SSL('127.0.0.1', tls_port, ssl_context=ctx)
s.login(user, password)
typ, data = s.status('INBOX', '(MESSAGES UNSEEN)')
out['status_tls'] = data[0].decode()
s.logout()
print(json.dumps(out))
`;


test('python imaplib: STARTTLS, LOGIN, LIST, SELECT, SEARCH, FETCH, STORE, APPEND, EXPUNGE, QUOTA, implicit TLS', { skip: python ? false : 'python3 is not installed' }, async () => {
  const r = await runProgram('python3', ['-c', SCRIPT, String(world.server.port), String(world.server.tlsPort), JANE, PASSWORD]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.caps_before.includes('STARTTLS'));
  assert.equal(out.login, 'OK');
  assert.ok(out.folders.some((f: string) => /\\Sent\) "\/" Sent/.test(f)));
  assert.equal(out.exists, 10);
  assert.equal(out.search, '7');
  assert.match(out.body, /Subject: Message 7/);
  // this session was the first to select INBOX after delivery, so the messages are \Recent to it (RFC 3501 2.3.2)
  assert.deepEqual(out.store, ['1 (FLAGS (\\Flagged \\Recent))', '2 (FLAGS (\\Flagged \\Recent))']);
  assert.match(out.append[0], /\[APPENDUID \d+ 11\]/);
  assert.equal(out.uid_flagged, '1 2');
  assert.match(out.uid_fetch, /Subject: from python/);
  assert.deepEqual(out.expunge, ['3']);
  assert.match(out.quota, /STORAGE \d+ 4194304/);
  assert.match(out.namespace, /\(\("" "\/"\)\) NIL \(\("Shared\/" "\/"\)\)/);
  // 7 was read with RFC822 (sets \Seen) and the appended one came \Seen
  assert.match(out.status_tls, /INBOX \(MESSAGES 10 UNSEEN 8\)/);
});
