import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { fetchMessages, getMessage, listMessages, readRaw, setFlags } from '../../../src/mail/store/index.ts';
import { type MailWorld, mailWithAttachment, mailWorld, multipart, READER, textMail } from './mail-world.ts';

let w: MailWorld;
/** Local delivery only: remote entries (to outside addresses) have nowhere to go in tests. */
const deliverLocal = async () => {
  while (await w.worker.processLocal()) { /* until the local queue is empty */ }
};
before(async () => {
  w = await mailWorld();
});
after(() => w.close());

async function postCompose(fields: Record<string, string | string[]>, files: Parameters<typeof multipart>[1] = []) {
  await w.client.get('/mail/compose');
  const body = multipart({ _csrf: w.client.csrf(), ...fields }, files);
  const res = await w.app.inject({
    method: 'POST', url: '/mail/compose', payload: body.payload,
    headers: { 'content-type': body.contentType, cookie: [...w.client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  w.client.lastHtml = res.body;
  return res;
}

test('a signed-out visitor to /mail is sent to sign in', async () => {
  const res = await w.app.inject({ method: 'GET', url: '/mail' });
  assert.equal(res.statusCode, 303);
  assert.match(String(res.headers.location), /^\/sign-in\?next=%2Fmail$/);
});

test('the folder list shows unread counts and quota use; the message list is paged and sorted with its flags', async () => {
  for (let i = 1; i <= 55; i++) {
    await w.put(READER, 'INBOX', textMail({ subject: `Ward round ${String(i).padStart(2, '0')}`, from: `Sender ${String.fromCharCode(65 + (i % 26))} <s${i}@care.example>`, date: new Date(Date.UTC(2026, 0, 1, 0, i)) }),
      i % 5 === 0 ? ['\\Seen', '\\Flagged'] : []);
  }
  const res = await w.client.get('/mail');
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Inbox <strong class="caremail-unseen">44<span class="nhsuk-u-visually-hidden"> unread/);
  assert.match(res.body, /Mailbox: [\d.]+ KB of 4\.0 GB used/);
  assert.match(res.body, /55 messages · page 1 of 2/);
  const subjects = [...res.body.matchAll(/data-mail-nav>(Ward round \d\d)<\/a>/g)].map((m) => m[1]);
  assert.equal(subjects.length, 50);
  assert.equal(subjects[0], 'Ward round 55', 'newest first by default');
  assert.match(res.body, /Flagged<\/strong>/);
  const inbox = await w.folder(READER, 'INBOX');
  const page2 = await w.client.get(`/mail/folders/${inbox.id}?sort=subject&dir=asc&page=2`);
  const p2 = [...page2.body.matchAll(/data-mail-nav>(Ward round \d\d)<\/a>/g)].map((m) => m[1]);
  assert.deepEqual(p2, ['Ward round 51', 'Ward round 52', 'Ward round 53', 'Ward round 54', 'Ward round 55']);
  const bySender = await w.client.get(`/mail/folders/${inbox.id}?sort=from&dir=asc`);
  assert.match(bySender.body, /aria-sort="ascending"><a[^>]*>Sender/);
  const bySize = await w.client.get(`/mail/folders/${inbox.id}?sort=size&dir=desc`);
  assert.equal(bySize.statusCode, 200);
  const unread = await w.client.get(`/mail/folders/${inbox.id}?unread=1`);
  assert.match(unread.body, /44 messages unread/);
});

test('reading a plain message marks it read, and shows Authentication-Results and the outside banner', async () => {
  const uid = await w.put(READER, 'INBOX', textMail({
    subject: 'From outside', from: 'Someone <someone@outside.example>', body: 'Line one\nLine <two>',
    headers: 'Authentication-Results: mx.care.example; spf=pass smtp.mailfrom=outside.example; dkim=pass header.d=outside.example\r\nX-Caremail-Outside-Banner: top\r\n',
  }));
  const inbox = await w.folder(READER, 'INBOX');
  const res = await w.client.get(`/mail/folders/${inbox.id}/messages/${uid}`);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Line one\nLine &lt;two&gt;/);
  assert.match(res.body, /spf=pass smtp.mailfrom=outside.example; dkim=pass/);
  assert.match(res.body, /caremail-external-banner[\s\S]*?This message originated from outside Caremail\. Do not open links/);
  assert.ok((await getMessage(w.database.db, inbox.id, uid))!.flags.includes('\\Seen'));
  const other = await w.client.get(`/mail/folders/${inbox.id}/messages/999999`);
  assert.equal(other.statusCode, 404);
});

test("another person's folder is not found", async () => {
  const janes = await w.folder('jane.smith@care.example', 'INBOX');
  const uid = await w.put('jane.smith@care.example', 'INBOX', textMail({ subject: 'Private to Jane', to: 'jane.smith@care.example' }));
  assert.equal((await w.client.get(`/mail/folders/${janes.id}`)).statusCode, 404);
  assert.equal((await w.client.get(`/mail/folders/${janes.id}/messages/${uid}`)).statusCode, 404);
  assert.equal((await w.client.get(`/mail/folders/${janes.id}/messages/${uid}/body`)).statusCode, 404);
});

test('attachments are listed and download as attachments with nosniff', async () => {
  const uid = await w.put(READER, 'INBOX', mailWithAttachment({ subject: 'Discharge letter', filename: 'discharge letter.html', contentType: 'text/html', content: '<script>alert(1)</script>' }));
  const inbox = await w.folder(READER, 'INBOX');
  const page = await w.client.get(`/mail/folders/${inbox.id}/messages/${uid}`);
  assert.match(page.body, /href="(\/mail\/folders\/[^"]+\/attachments\/1)" download>discharge letter.html/);
  const res = await w.client.get(`/mail/folders/${inbox.id}/messages/${uid}/attachments/1`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-disposition']), /^attachment; filename="discharge letter.html"; filename\*=UTF-8''discharge%20letter.html$/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.match(String(res.headers['content-security-policy']), /sandbox/);
  assert.equal(res.body, '<script>alert(1)</script>');
  assert.equal((await w.client.get(`/mail/folders/${inbox.id}/messages/${uid}/attachments/2`)).statusCode, 404);
});

test('writing: a new message goes through submission, lands in Sent and in the recipient INBOX', async () => {
  const res = await postCompose({ to: 'jane.smith@care.example', cc: '', bcc: 'amara.okafor@care.example', subject: 'Clinic on Monday', body: 'See you there.', action: 'send' },
    [{ name: 'attachments', filename: 'notes.txt', type: 'text/plain', content: Buffer.from('agenda') }]);
  assert.equal(res.statusCode, 303, res.body.slice(0, 500));
  const sent = await w.folder(READER, 'Sent');
  assert.equal(res.headers.location, `/mail/folders/${sent.id}?done=sent`);
  const sentList = await listMessages(w.database.db, sent.id);
  assert.equal(sentList.items[0].subject, 'Clinic on Monday');
  assert.equal((await listMessages(w.database.db, (await w.folder(READER, 'Drafts')).id)).total, 0, 'the draft is gone once sent');
  await deliverLocal();
  const janeInbox = await listMessages(w.database.db, (await w.folder('jane.smith@care.example', 'INBOX')).id);
  const got = janeInbox.items.find((m) => m.subject === 'Clinic on Monday');
  assert.ok(got, 'delivered to Jane');
  const raw = await readRaw(w.database.db, (await getMessage(w.database.db, got.folderId, got.uid))!.blobSha256);
  const parsed = await simpleParser(raw);
  assert.equal(parsed.attachments[0].filename, 'notes.txt');
  assert.doesNotMatch(raw.toString(), /^Bcc:/im, 'Bcc is not sent');
  assert.ok((await listMessages(w.database.db, (await w.folder('amara.okafor@care.example', 'INBOX')).id)).items.some((m) => m.subject === 'Clinic on Monday'), 'Bcc recipient gets it');
});

test('reply, reply all and forward start from the message; a reply marks it answered', async () => {
  const uid = await w.put(READER, 'INBOX', textMail({ subject: 'Bed state', from: 'Jane Smith <jane.smith@care.example>', to: `${READER}, amara.okafor@care.example`, cc: 'tom.baker@care.example' }));
  const inbox = await w.folder(READER, 'INBOX');
  const reply = await w.client.get(`/mail/compose?mode=reply&folder=${inbox.id}&uid=${uid}`);
  assert.match(reply.body, /id="to" name="to" type="text" value="Jane Smith &lt;jane.smith@care.example&gt;"/);
  assert.match(reply.body, /value="Re: Bed state"/);
  const all = await w.client.get(`/mail/compose?mode=replyAll&folder=${inbox.id}&uid=${uid}`);
  assert.match(all.body, /id="cc" name="cc" type="text" value="amara.okafor@care.example, tom.baker@care.example"/);
  const fwd = await w.client.get(`/mail/compose?mode=forward&folder=${inbox.id}&uid=${uid}`);
  assert.match(fwd.body, /value="Fwd: Bed state"/);
  assert.match(fwd.body, /will be attached/);

  const sent = await postCompose({ to: 'jane.smith@care.example', subject: 'Re: Bed state', body: 'Thanks', action: 'send', replyOf: `${inbox.id}:${uid}` });
  assert.equal(sent.statusCode, 303);
  assert.ok((await getMessage(w.database.db, inbox.id, uid))!.flags.includes('\\Answered'));

  const forwarded = await postCompose({ to: 'jane.smith@care.example', subject: 'Fwd: Bed state', body: 'FYI', action: 'send', forwardOf: `${inbox.id}:${uid}` });
  assert.equal(forwarded.statusCode, 303);
  const sentFolder = await w.folder(READER, 'Sent');
  const last = (await listMessages(w.database.db, sentFolder.id)).items.find((m) => m.subject === 'Fwd: Bed state')!;
  const parsed = await simpleParser(await readRaw(w.database.db, (await getMessage(w.database.db, sentFolder.id, last.uid))!.blobSha256));
  assert.equal(parsed.attachments[0].contentType, 'message/rfc822');
});

test('drafts are saved in Drafts with their attachments and can be edited again', async () => {
  const res = await postCompose({ to: 'jane.smith@care.example', subject: 'Half written', body: 'To be continued', action: 'save' },
    [{ name: 'attachments', filename: 'plan.txt', type: 'text/plain', content: Buffer.from('plan') }]);
  assert.equal(res.statusCode, 303);
  const drafts = await w.folder(READER, 'Drafts');
  const list = await listMessages(w.database.db, drafts.id);
  assert.equal(list.items.length, 1);
  assert.ok(list.items[0].flags.includes('\\Draft'));
  const again = await w.client.get(String(res.headers.location));
  assert.match(again.body, /Your draft has been saved/);
  assert.match(again.body, /value="Half written"/);
  assert.match(again.body, /Remove plan.txt/);
  // Saving again replaces the draft rather than adding another.
  const uid = list.items[0].uid;
  const res2 = await postCompose({ to: 'jane.smith@care.example', subject: 'Half written v2', body: 'More', action: 'save', draftUid: String(uid) });
  assert.equal(res2.statusCode, 303);
  const list2 = await listMessages(w.database.db, drafts.id);
  assert.deepEqual(list2.items.map((m) => m.subject), ['Half written v2']);
  assert.ok(list2.items[0].hasAttachments, 'the attachment is kept');
  await postCompose({ to: 'jane.smith@care.example', subject: 'Half written v2', body: 'More', action: 'send', draftUid: String(list2.items[0].uid) });
  assert.equal((await listMessages(w.database.db, drafts.id)).total, 0);
});

test('the recipient picker finds people with organisation and job title, and marks outside recipients', async () => {
  const json = await w.client.get('/mail/recipients?q=jane smi');
  const people = JSON.parse(json.body).people as Array<{ email: string; organisation: string; jobTitle: string | null }>;
  const jane = people.find((p) => p.email === 'jane.smith@care.example')!;
  assert.ok(jane.organisation);
  const found = await postCompose({ to: '', subject: 'x', body: '', action: 'find', find: 'amara' });
  assert.equal(found.statusCode, 200);
  assert.match(found.body, /name="addTo" value="amara.okafor@care.example"/);
  const draftUid = found.body.match(/name="draftUid" value="(\d+)"/)![1];
  const added = await postCompose({ to: 'friend@gmail.example', subject: 'x', body: '', action: 'add', addTo: 'amara.okafor@care.example', draftUid });
  assert.match(added.body, /value="friend@gmail.example, amara.okafor@care.example"/);
  assert.match(added.body, /friend@gmail.example[\s\S]*?Outside Caremail – not secure/);
  assert.match(added.body, /amara.okafor@care.example – [^<]*Meadow Lane Surgery[\s\S]*?In Caremail/);
});

test('mail to a non-secure address asks "Check you are emailing the right person" before it goes', async () => {
  const res = await postCompose({ to: 'friend@gmail.example', subject: 'Rota', body: 'Hi', action: 'send' });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Check you are emailing the right person/);
  assert.match(res.body, /friend@gmail.example/);
  const queued = async () => (await w.database.db.selectFrom('mail_queue').select('id').where('kind', '=', 'remote').execute()).length;
  const before = await queued();
  const draftUid = res.body.match(/name="draftUid" value="(\d+)"/)![1];
  const notConfirmed = await w.client.post('/mail/compose/send', { draftUid });
  assert.equal(notConfirmed.statusCode, 303);
  assert.equal(await queued(), before, 'nothing sent without the confirmation');
  await w.client.get('/mail');
  const confirmed = await w.client.post('/mail/compose/send', { draftUid, confirmed: 'yes' });
  assert.equal(confirmed.statusCode, 303);
  assert.equal(await queued(), before + 1);
});

test('an account whose sending is stopped cannot send from webmail, with a reason', async () => {
  const id = await w.accountId(READER);
  const hasColumn = await w.database.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  if (!('sending_blocked' in hasColumn)) return; // the identity migration adds it
  await w.database.db.updateTable('accounts').set({ sending_blocked: true } as never).where('id', '=', id).execute();
  try {
    const res = await postCompose({ to: 'jane.smith@care.example', subject: 'Blocked?', body: 'x', action: 'send' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /Sending from this account has been stopped/);
  } finally {
    await w.database.db.updateTable('accounts').set({ sending_blocked: false } as never).where('id', '=', id).execute();
  }
});

test('attachments over 35 MB are refused with a clear message', async () => {
  const big = Buffer.alloc(35 * 1024 * 1024 + 1, 0x61);
  const res = await postCompose({ to: 'jane.smith@care.example', subject: 'Scans', body: 'x', action: 'send' }, [{ name: 'attachments', filename: 'scan.tif', type: 'image/tiff', content: big }]);
  assert.equal(res.statusCode, 413);
  assert.match(res.body, /The attachments are too big\. A message can carry at most 35 MB/);
  assert.match(res.body, /value="Scans"/, 'what was typed is kept');
});

test('move, copy, flag, delete to Trash, empty Trash, create and rename folders', async () => {
  const inbox = await w.folder(READER, 'INBOX');
  const uid = await w.put(READER, 'INBOX', textMail({ subject: 'To file' }));
  await w.client.get('/mail');
  assert.equal((await w.client.post('/mail/folders', { name: 'Projects' })).statusCode, 303);
  const projects = await w.folder(READER, 'Projects');
  await w.client.get('/mail');
  assert.equal((await w.client.post(`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'flag' })).statusCode, 303);
  assert.ok((await getMessage(w.database.db, inbox.id, uid))!.flags.includes('\\Flagged'));
  await w.client.get('/mail');
  await w.client.post(`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'copy', target: projects.id });
  assert.equal((await listMessages(w.database.db, projects.id)).total, 1);
  assert.ok(await getMessage(w.database.db, inbox.id, uid), 'a copy leaves the original');
  await w.client.get('/mail');
  await w.client.post(`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'move', target: projects.id });
  assert.equal(await getMessage(w.database.db, inbox.id, uid), null);
  assert.equal((await listMessages(w.database.db, projects.id)).total, 2);
  await w.client.get('/mail');
  const renamed = await w.client.post(`/mail/folders/${projects.id}/rename`, { newName: 'Projects 2026' });
  assert.equal(renamed.statusCode, 303);
  assert.equal((await w.folder(READER, 'Projects 2026')).id, projects.id);
  const uids = (await listMessages(w.database.db, projects.id)).items.map((m) => String(m.uid));
  await w.client.get('/mail');
  const del = await w.app.inject({
    method: 'POST', url: `/mail/folders/${projects.id}/actions`, headers: { cookie: [...w.client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(w.client.csrf())}&action=delete&${uids.map((u) => `uid=${u}`).join('&')}`,
  });
  assert.equal(del.statusCode, 303);
  const trash = await w.folder(READER, 'Trash');
  assert.equal((await listMessages(w.database.db, projects.id)).total, 0);
  assert.ok((await listMessages(w.database.db, trash.id)).total >= 2);
  await w.client.get('/mail');
  assert.equal((await w.client.post(`/mail/folders/${trash.id}/empty`, {})).statusCode, 303);
  assert.equal((await listMessages(w.database.db, trash.id)).total, 0);
  await w.client.get('/mail');
  const bad = await w.client.post('/mail/folders', { name: 'Projects 2026' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /There is already a folder called Projects 2026/);
  await w.client.get('/mail');
  assert.equal((await w.client.post(`/mail/folders/${inbox.id}/empty`, {})).statusCode, 400, 'only Trash and Junk can be emptied');
});

test('search by sender, recipient, subject, body text and date range', async () => {
  await w.put(READER, 'Archive', textMail({ subject: 'Audit results', from: 'Li Wei <li.wei@care.example>', to: 'tom.baker@care.example', body: 'The anticoagulation audit is finished', date: new Date(Date.UTC(2025, 5, 10)) }), [], new Date(Date.UTC(2025, 5, 10, 12)));
  const get = async (q: Record<string, string>) => (await w.client.get(`/mail/search?${new URLSearchParams(q)}`)).body;
  assert.match(await get({ text: 'anticoagulation' }), /1 message found[\s\S]*Audit results[\s\S]*Archive/);
  assert.match(await get({ from: 'li.wei' }), /1 message found/);
  assert.match(await get({ to: 'tom.baker' }), /Audit results/);
  assert.match(await get({ subject: 'audit res' }), /1 message found/);
  assert.match(await get({ subject: 'audit', since: '2025-06-10', before: '2025-06-10' }), /1 message found/);
  assert.match(await get({ subject: 'audit', since: '2025-06-11' }), /0 messages found/);
  assert.match(await get({ text: 'anticoagulation', from: 'someone-else' }), /0 messages found/);
  const bad = await w.client.get('/mail/search?since=yesterday');
  assert.equal(bad.statusCode, 400);
});

test('"Report as suspicious" sends the message as message/rfc822 to the spam-report mailbox and moves it to Junk', async () => {
  const uid = await w.put(READER, 'INBOX', textMail({ subject: 'You have won a prize', from: 'Prize <prize@scam.example>' }));
  const inbox = await w.folder(READER, 'INBOX');
  await w.client.get('/mail');
  const res = await w.client.post(`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'report' });
  assert.equal(res.statusCode, 303);
  assert.equal(await getMessage(w.database.db, inbox.id, uid), null);
  const junk = await w.folder(READER, 'Junk');
  assert.ok((await listMessages(w.database.db, junk.id)).items.some((m) => m.subject === 'You have won a prize'));
  await deliverLocal();
  const spam = await w.folder('spam-report@care.example', 'INBOX');
  const [report] = (await listMessages(w.database.db, spam.id)).items;
  assert.match(report.subject, /Suspicious message reported by jonathan.smith@care.example/);
  const parsed = await simpleParser(await readRaw(w.database.db, (await getMessage(w.database.db, spam.id, report.uid))!.blobSha256));
  assert.equal(parsed.attachments[0].contentType, 'message/rfc822');
  assert.match(parsed.attachments[0].content.toString(), /Subject: You have won a prize/);
});

test('webmail and IMAP share one store: a flag set in one is what the other sees', async () => {
  const uid = await w.put(READER, 'INBOX', textMail({ subject: 'Shared flags' }));
  const inbox = await w.folder(READER, 'INBOX');
  await w.client.get('/mail');
  await w.client.post(`/mail/folders/${inbox.id}/actions`, { uid: String(uid), action: 'flag' });
  // IMAP FETCH reads fetchMessages: the flag is there, with a new MODSEQ.
  const [fetched] = await fetchMessages(w.database.db, inbox.id, { from: uid, to: uid });
  assert.ok(fetched.flags.includes('\\Flagged'));
  // IMAP STORE is setFlags: webmail shows the change on the next page.
  await setFlags(w.database.db, inbox.id, [uid], 'remove', ['\\Flagged']);
  await setFlags(w.database.db, inbox.id, [uid], 'add', ['\\Answered']);
  const page = await w.client.get(`/mail/folders/${inbox.id}/messages/${uid}`);
  assert.match(page.body, /id="message-flags"><strong class="nhsuk-tag nhsuk-tag--grey">Replied<\/strong>/);
});
