import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getMessage, listFolders, listMessages } from '../../../src/mail/store/index.ts';
import { type MailWorld, mailWorld, multipart, READER, textMail } from './mail-world.ts';

let w: MailWorld;
before(async () => {
  w = await mailWorld();
});
after(() => w.close());

const cookie = () => [...w.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

/** The state a forged post might change: every folder, message and flag, and the queue. */
async function snapshot() {
  const id = await w.accountId(READER);
  const folders = await listFolders(w.database.db, id);
  const messages = [];
  for (const f of folders) messages.push(...(await listMessages(w.database.db, f.id)).items.map((m) => `${f.name}/${m.uid}/${m.flags.sort().join(',')}`));
  const queue = (await w.database.db.selectFrom('mail_queue').select('id').execute()).length;
  return { folders: folders.map((f) => f.name).sort(), messages: messages.sort(), queue };
}

test('every webmail action refuses a post without the CSRF token (403) and changes nothing', async () => {
  const uid = await w.put(READER, 'INBOX', textMail({ subject: 'Do not touch' }));
  const inbox = await w.folder(READER, 'INBOX');
  const trash = await w.folder(READER, 'Trash');
  const archive = await w.folder(READER, 'Archive');
  await w.put(READER, 'Trash', textMail({ subject: 'In the bin' }));
  await w.client.get('/mail');
  await w.client.post('/mail/folders', { name: 'Mine' });
  const mine = await w.folder(READER, 'Mine');
  const before = await snapshot();
  const forms: Array<[string, Record<string, string>]> = [
    ['/mail/folders', { name: 'Forged' }],
    [`/mail/folders/${mine.id}/rename`, { newName: 'Forged' }],
    [`/mail/folders/${trash.id}/empty`, {}],
    ...['flag', 'unflag', 'read', 'unread', 'delete', 'report'].map((action) => [`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action }] as [string, Record<string, string>]),
    [`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'move', target: archive.id }],
    [`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'copy', target: archive.id }],
    ['/mail/compose', { to: 'jane.smith@care.example', subject: 'Forged', body: 'x', action: 'send' }],
    ['/mail/compose', { to: 'jane.smith@care.example', subject: 'Forged', body: 'x', action: 'save' }],
    ['/mail/compose/send', { draftUid: '1', confirmed: 'yes' }],
  ];
  for (const [url, form] of forms) {
    const missing = await w.client.post(url, form, { csrf: null });
    assert.equal(missing.statusCode, 403, `${url} ${JSON.stringify(form)} without a token`);
    const wrong = await w.client.post(url, form, { csrf: 'x'.repeat(43) });
    assert.equal(wrong.statusCode, 403, `${url} ${JSON.stringify(form)} with a wrong token`);
  }
  // The compose form is multipart: its token is checked once the fields are read.
  const body = multipart({ to: 'jane.smith@care.example', subject: 'Forged', body: 'x', action: 'send' });
  const res = await w.app.inject({ method: 'POST', url: '/mail/compose', payload: body.payload, headers: { 'content-type': body.contentType, cookie: cookie() } });
  assert.equal(res.statusCode, 403);
  assert.deepEqual(await snapshot(), before);
  assert.ok(await getMessage(w.database.db, inbox.id, uid));
});
