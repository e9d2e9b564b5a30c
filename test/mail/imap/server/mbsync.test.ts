/**
 * isync's mbsync (Debian), a real synchronising client, keeps a Maildir and
 * the server in step both ways with 1,000 messages: the download, flags set
 * on either side, messages added on either side, and expunges.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { expungeMessages, getFolder, insertMessage, listUids, messageFacts, setFlags } from '../../../../src/mail/store/index.ts';
import { imapWorld, JANE, PASSWORD, sampleMessage, testTls, type ImapWorld } from './helpers.ts';

const haveMbsync = spawnSync('mbsync', ['--version']).status === 0;
const COUNT = 1000;
let world: ImapWorld;
let dir: string;

before(async () => {
  if (!haveMbsync) return;
  world = await imapWorld();
  dir = mkdtempSync(join(tmpdir(), 'caremail-mbsync-'));
  const accountId = await world.accountId(JANE);
  const inbox = (await getFolder(world.database.db, accountId, 'INBOX'))!;
  // one transaction per 100 messages keeps set-up quick on the embedded database
  for (let n = 1; n <= COUNT; n += 100) {
    await world.database.db.transaction().execute(async (trx) => {
      for (let k = n; k < n + 100; k++) {
        const flags = [...(k % 3 === 0 ? ['\\Seen'] : []), ...(k % 10 === 0 ? ['\\Flagged'] : [])];
        await insertMessage(trx, Buffer.from(sampleMessage(k)), [{ folderId: inbox.id, accountId }], { flags });
      }
    });
  }
  const certFile = join(dir, 'server.pem');
  writeFileSync(certFile, testTls().cert);
  mkdirSync(join(dir, 'mail'));
  // Timeout: on a busy machine one reply from the embedded database can take longer than mbsync's default 20 s
  writeFileSync(join(dir, 'mbsyncrc'), [
    'IMAPAccount caremail', 'Host localhost', `Port ${world.server.port}`, `User ${JANE}`, `Pass ${PASSWORD}`,
    'SSLType STARTTLS', `CertificateFile ${certFile}`, 'AuthMechs LOGIN', 'Timeout 300', '',
    'IMAPStore remote', 'Account caremail', '',
    'MaildirStore local', `Path ${join(dir, 'mail')}/`, `Inbox ${join(dir, 'mail', 'INBOX')}`, 'SubFolders Verbatim', '',
    'Channel inbox', 'Far :remote:INBOX', 'Near :local:INBOX', 'Create Both', 'Expunge Both', 'Sync All', `SyncState *`, '',
  ].join('\n'));
});
after(async () => {
  if (!haveMbsync) return;
  await world.close();
  rmSync(dir, { recursive: true, force: true });
});

function mbsync(): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('mbsync', ['-c', join(dir, 'mbsyncrc'), 'inbox']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

type Local = { file: string; sub: 'cur' | 'new'; flags: string };

function localMessages(): Local[] {
  const out: Local[] = [];
  for (const sub of ['cur', 'new'] as const) {
    for (const file of readdirSync(join(dir, 'mail', 'INBOX', sub))) out.push({ file, sub, flags: /:2,([A-Z]*)$/.exec(file)?.[1] ?? '' });
  }
  return out;
}

test('mbsync syncs 1,000 messages and their flags both ways', { skip: haveMbsync ? false : 'mbsync (Debian package isync) is not installed', timeout: 600_000 }, async () => {
  const db = world.database.db;
  const accountId = await world.accountId(JANE);
  const inbox = (await getFolder(db, accountId, 'INBOX'))!;

  // 1. the first sync downloads everything, flags included
  let r = await mbsync();
  assert.equal(r.status, 0, r.out);
  let local = localMessages();
  assert.equal(local.length, COUNT);
  assert.equal(local.filter((m) => m.flags.includes('S')).length, Math.floor(COUNT / 3));
  assert.equal(local.filter((m) => m.flags.includes('F')).length, COUNT / 10);

  // 2. changes on the near side: flag 100 messages, mark 50 deleted (trashed), add 1,000 new ones
  const cur = join(dir, 'mail', 'INBOX', 'cur');
  const unflagged = local.filter((m) => !m.flags.includes('F')).slice(0, 100);
  for (const m of unflagged) renameSync(join(dir, 'mail', 'INBOX', m.sub, m.file), join(cur, m.file.replace(/:2,([A-Z]*)$/, (_x, f: string) => `:2,${[...new Set((f + 'F').split(''))].sort().join('')}`)));
  local = localMessages();
  const doomed = local.filter((m) => !m.flags.includes('F') && !m.flags.includes('T')).slice(0, 50);
  for (const m of doomed) renameSync(join(dir, 'mail', 'INBOX', m.sub, m.file), join(cur, m.file.replace(/:2,([A-Z]*)$/, (_x, f: string) => `:2,${[...new Set((f + 'T').split(''))].sort().join('')}`)));
  for (let k = 0; k < COUNT; k++) writeFileSync(join(dir, 'mail', 'INBOX', 'new', `${Date.now()}.${k}.local`), sampleMessage(10_000 + k, { subject: `Written offline ${k}` }));

  r = await mbsync();
  assert.equal(r.status, 0, r.out);
  const facts = await messageFacts(db, inbox.id);
  assert.equal(facts.length, COUNT - 50 + COUNT, 'uploads arrived and trashed messages were expunged');
  assert.equal(facts.filter((m) => m.flags.includes('\\Flagged')).length, COUNT / 10 + 100);
  assert.equal(facts.filter((m) => m.envelope.subject?.startsWith('Written offline')).length, COUNT);

  // 3. changes on the far side: read 200 messages, expunge 30, deliver 5
  const uids = await listUids(db, inbox.id);
  await setFlags(db, inbox.id, uids.slice(0, 200), 'add', ['\\Seen']);
  await expungeMessages(db, inbox.id, uids.slice(-30));
  for (let k = 0; k < 5; k++) await world.deliver(JANE, sampleMessage(20_000 + k));

  r = await mbsync();
  assert.equal(r.status, 0, r.out);
  local = localMessages();
  const server = await messageFacts(db, inbox.id);
  assert.equal(local.length, server.length);
  assert.equal(local.filter((m) => m.flags.includes('S')).length, server.filter((m) => m.flags.includes('\\Seen')).length);
  assert.equal(local.filter((m) => m.flags.includes('F')).length, server.filter((m) => m.flags.includes('\\Flagged')).length);
});
