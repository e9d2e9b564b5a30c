import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { getMessage, listMessages } from '../../src/mail/store/index.ts';
import { makeLogger } from '../../src/shared/log.ts';
import { keepScreenshot, launchBrowser } from '../helpers/browser.ts';
import { DEMO_PASSWORD } from '../helpers/portal.ts';
import { htmlMail, type MailWorld, mailWithAttachment, mailWorld, READER, textMail } from '../portal/routes/mail-world.ts';
import { HOSTILE } from '../mail/webmail/hostile-html.ts';

/**
 * Webmail in Chromium: the Portal runs in this process on a free loopback
 * port over the test database, so the test can put mail in and look at the
 * store directly. Every page is checked with axe-core.
 */
let w: MailWorld;
let browser: Browser;
let baseUrl: string;
let context: BrowserContext;
let page: Page;
const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const deliverLocal = async () => {
  while (await w.worker.processLocal()) { /* until the local queue is empty */ }
};

before(async () => {
  w = await mailWorld({ signIn: null });
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  context = await browser.newContext();
  page = await context.newPage();
});
after(async () => {
  await browser?.close();
  await w?.close();
});

/** axe-core in the page (through the debugger, which the page's CSP does not govern): no serious or critical violations. */
async function checkAccessibility(name: string) {
  await page.evaluate(`${axeSource}\n;0`);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } })
      .axe.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: ${JSON.stringify(bad, null, 2)}`);
}

async function shot(name: string) {
  await keepScreenshot(page, `webmail-${name}`);
}

test('signed in, the reader sees folders with unread counts, quota, and a sorted, paged list', async () => {
  for (let i = 1; i <= 3; i++) await w.put(READER, 'INBOX', textMail({ subject: `Handover ${i}`, from: `Nurse ${i} <nurse${i}@care.example>` }));
  await w.put(READER, 'INBOX', mailWithAttachment({ subject: 'Discharge summary', filename: 'summary.txt', contentType: 'text/plain', content: 'Discharged home.' }));
  await page.goto(`${baseUrl}/mail`);
  assert.match(page.url(), /\/sign-in\?next=%2Fmail$/);
  await page.getByLabel('Email address').fill(READER);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/mail`);
  assert.match(await page.locator('#mail-folders').innerText(), /Inbox\s+4\s+unread/);
  assert.match(await page.locator('#quota-label').innerText(), /Mailbox: .* of 4\.0 GB used/);
  await shot('01-inbox');
  await checkAccessibility('inbox');
  await page.getByRole('link', { name: 'Subject' }).click();
  await page.waitForURL(/sort=subject/);
  const first = await page.locator('#messages tbody tr').first().innerText();
  assert.match(first, /Discharge summary/);
  await shot('02-sorted-by-subject');
});

test('list and read change without a full page load; keyboard alone opens a message', async () => {
  await page.goto(`${baseUrl}/mail`);
  await page.evaluate(() => { (window as unknown as { marker: number }).marker = 42; });
  const link = page.getByRole('link', { name: 'Handover 2' });
  await link.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Handover 2' }).waitFor();
  assert.match(page.url(), /\/mail\/folders\/[0-9a-f-]+\/messages\/\d+$/);
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'the page was not reloaded');
  assert.match(await page.locator('#mail-folders').innerText(), /Inbox\s+3\s+unread/, 'the unread count follows');
  await shot('03-read-plain');
  await checkAccessibility('message');
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42);
});

test('attachments are listed and download', async () => {
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Discharge summary' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'summary.txt' }).click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'summary.txt');
  assert.equal(readFileSync(await file.path()).toString(), 'Discharged home.');
});

test('hostile HTML mail runs nothing and navigates nowhere; remote images wait for the reader', async () => {
  const html = Object.values(HOSTILE).join('\n') + '<p>Real content</p><script>parent.pwned = 1; top.location = "https://evil.example/"</script>';
  const uid = await w.put(READER, 'INBOX', htmlMail({ subject: 'Hostile newsletter', html, headers: 'X-Caremail-Outside-Banner: top\r\n' }));
  const inbox = await w.folder(READER, 'INBOX');
  const messageUrl = `${baseUrl}/mail/folders/${inbox.id}/messages/${uid}`;
  const requests: string[] = [];
  const onRequest = (r: { url(): string }) => requests.push(r.url());
  page.on('request', onRequest);
  const dialogs: string[] = [];
  const onDialog = (d: { message(): string; dismiss(): Promise<void> }) => {
    dialogs.push(d.message());
    void d.dismiss();
  };
  page.on('dialog', onDialog);
  await page.goto(messageUrl);
  const frame = page.frameLocator('iframe.caremail-mail-frame');
  await frame.getByText('Real content').waitFor();
  await page.waitForTimeout(500);
  assert.equal(page.url(), messageUrl, 'not navigated away');
  assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  const inner = page.frames().find((f) => f.url().includes('/body'))!;
  assert.equal(await inner.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  assert.equal(await inner.evaluate(() => document.body.querySelectorAll('script, svg, form, iframe, meta, object, embed, style, link, base').length), 0);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(requests.filter((u) => /evil\.example|tracker\.example/.test(u)), [], 'nothing fetched from outside');
  assert.match(await page.locator('.caremail-external-banner').innerText(), /This message originated from outside Caremail\./);
  assert.match(await page.locator('.caremail-images-blocked').innerText(), /2 images from the internet were not shown/);
  await shot('04-hostile-html');
  await checkAccessibility('hostile message');
  await page.getByRole('link', { name: 'Show images' }).click();
  await page.waitForURL(/images=1/);
  await page.frameLocator('iframe.caremail-mail-frame').getByText('Real content').waitFor();
  const frameSrc = await page.locator('iframe.caremail-mail-frame').getAttribute('src');
  assert.match(String(frameSrc), /\/body\?images=1$/);
  assert.equal(await page.locator('iframe.caremail-mail-frame').getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
  page.off('request', onRequest);
  page.off('dialog', onDialog);
});

test('writing a message: the picker finds people with organisation and job title; it is sent and filed in Sent', async () => {
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Write a message' }).click();
  await page.waitForURL(`${baseUrl}/mail/compose`); // and its script has run
  await page.getByLabel('Find people').fill('jane smi');
  const add = page.locator('#picker-results').getByRole('button', { name: /Add to To.*Smith, Jane/ });
  await add.waitFor();
  assert.match(await page.locator('#picker-results').innerText(), /jane\.smith@care\.example – .*Riverside/);
  await shot('05-picker');
  await add.click();
  assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), 'jane.smith@care.example');
  await page.getByLabel('Subject').fill('Clinic list');
  await page.getByLabel('Message').fill('The list for Monday is attached.');
  await page.getByLabel('Attach files').setInputFiles({ name: 'clinic.csv', mimeType: 'text/csv', buffer: Buffer.from('time,patient\n09:00,A\n') });
  await checkAccessibility('compose');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Your message has been sent.').waitFor();
  await shot('06-sent');
  assert.match(await page.locator('#messages').innerText(), /Clinic list/);
  await deliverLocal();
  const janeInbox = await listMessages(w.database.db, (await w.folder('jane.smith@care.example', 'INBOX')).id);
  assert.ok(janeInbox.items.some((m) => m.subject === 'Clinic list' && m.hasAttachments));
});

test('reply, reply all, forward, and a draft saved then sent', async () => {
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Handover 1' }).click();
  await page.getByRole('link', { name: 'Reply', exact: true }).click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Re: Handover 1');
  assert.match(await page.getByLabel('To', { exact: true }).inputValue(), /nurse1@care\.example/);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByText('Your draft has been saved in Drafts.').waitFor();
  await shot('07-draft-saved');
  const drafts = await w.folder(READER, 'Drafts');
  assert.equal((await listMessages(w.database.db, drafts.id)).total, 1);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Your message has been sent.').waitFor();
  assert.equal((await listMessages(w.database.db, drafts.id)).total, 0);
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Handover 1' }).click();
  assert.match(await page.locator('#message-flags').innerText(), /Replied/);
  await page.getByRole('link', { name: 'Reply to all' }).click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Re: Handover 1');
  await page.goBack();
  await page.getByRole('link', { name: 'Forward' }).click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Fwd: Handover 1');
  assert.ok(await page.getByText(/will be attached/).isVisible());
});

test('mail to a non-secure address asks the writer to check first', async () => {
  await page.goto(`${baseUrl}/mail/compose`);
  await page.getByLabel('To', { exact: true }).fill('friend@gmail.example');
  await page.getByLabel('Subject').fill('Rota');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('heading', { name: 'Check you are emailing the right person' }).waitFor();
  assert.match(await page.locator('#outside-recipients').innerText(), /friend@gmail\.example\s+Outside Caremail – not secure/);
  await shot('08-check-recipient');
  await checkAccessibility('confirm');
  await page.getByRole('link', { name: 'No, go back and change the recipients' }).click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Rota');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('button', { name: 'Yes, send it' }).click();
  await page.getByText('Your message has been sent.').waitFor();
});

test('flag, move, copy, delete to Trash, empty Trash, create and rename folders', async () => {
  await page.goto(`${baseUrl}/mail`);
  await page.getByLabel('New folder').fill('Audits');
  await page.getByRole('button', { name: 'Create folder' }).click();
  await page.getByText('Folder created.').waitFor();
  await page.getByLabel('Rename this folder').fill('Audits 2026');
  await page.getByRole('button', { name: 'Rename folder' }).click();
  await page.getByText('Folder renamed.').waitFor();
  assert.ok(await page.getByRole('heading', { level: 1, name: 'Audits 2026' }).isVisible());
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Handover 3' }).click();
  await page.getByRole('button', { name: 'Flag', exact: true }).click();
  await page.getByText('Flag changed.').waitFor();
  assert.match(await page.locator('#message-flags').innerText(), /Flagged/);
  await page.getByLabel('Folder', { exact: true }).selectOption({ label: 'Audits 2026' });
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await page.getByText('Copied.').waitFor();
  await page.getByLabel('Folder', { exact: true }).selectOption({ label: 'Archive' });
  await page.getByRole('button', { name: 'Move', exact: true }).click();
  await page.getByText('Moved.').waitFor();
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('checkbox', { name: 'Select: Handover 2' }).check();
  await page.getByLabel('With the selected messages').selectOption('delete');
  await page.getByRole('button', { name: 'Apply to selected' }).click();
  await page.getByText('Moved to Trash.').waitFor();
  await page.getByRole('link', { name: /^Trash/ }).click();
  await page.getByRole('link', { name: 'Handover 2' }).waitFor();
  await shot('09-trash');
  await page.getByRole('button', { name: 'Empty Trash' }).click();
  await page.getByText('Trash is empty.').waitFor();
  assert.equal((await listMessages(w.database.db, (await w.folder(READER, 'Trash')).id)).total, 0);
  assert.equal((await listMessages(w.database.db, (await w.folder(READER, 'Audits 2026')).id)).total, 1);
});

test('search by sender, subject, body text and date range', async () => {
  await w.put(READER, 'Archive', textMail({ subject: 'Pharmacy audit', from: 'Li Wei <li.wei@care.example>', body: 'Warfarin doses checked' }), [], new Date(Date.UTC(2025, 2, 3, 12)));
  await page.goto(`${baseUrl}/mail/search`);
  await page.getByLabel('Words in the message').fill('warfarin');
  await page.getByLabel('From', { exact: true }).fill('li.wei');
  await page.getByLabel('Arrived from (date)').fill('2025-03-01');
  await page.getByLabel('Arrived up to (date)').fill('2025-03-31');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByText('1 message found').waitFor();
  assert.match(await page.locator('#search-results').innerText(), /Pharmacy audit\s+Archive/);
  await shot('10-search');
  await checkAccessibility('search');
});

test('"Report as suspicious" sends it to the spam-report mailbox and moves it to Junk', async () => {
  await w.put(READER, 'INBOX', textMail({ subject: 'Verify your password now', from: 'IT Desk <it@phish.example>' }));
  await page.goto(`${baseUrl}/mail`);
  await page.getByRole('link', { name: 'Verify your password now' }).click();
  await page.getByRole('button', { name: 'Report as suspicious' }).click();
  await page.getByText(/Reported as suspicious and moved to Junk/).waitFor();
  await shot('11-reported');
  await deliverLocal();
  const reports = await listMessages(w.database.db, (await w.folder('spam-report@care.example', 'INBOX')).id);
  assert.equal(reports.total, 1);
  assert.ok((await listMessages(w.database.db, (await w.folder(READER, 'Junk')).id)).items.some((m) => m.subject === 'Verify your password now'));
});

test('IMAP sees the flag webmail set, and webmail shows the flag IMAP set (imapflow beside the browser)', async () => {
  const { startImapServer } = await import('../../src/mail/imap/server/listener.ts');
  const imap = await startImapServer(w.database, makeLogger('silent'), { host: '127.0.0.1', port: 0, tlsPort: null, tls: null, hostname: 'care.example', demoMode: true });
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({ host: '127.0.0.1', port: imap.port, secure: false, doSTARTTLS: false, auth: { user: READER, pass: DEMO_PASSWORD }, logger: false });
  try {
    await client.connect();
    const uid = await w.put(READER, 'INBOX', textMail({ subject: 'Seen by both' }));
    const inbox = await w.folder(READER, 'INBOX');
    await page.goto(`${baseUrl}/mail/folders/${inbox.id}/messages/${uid}`);
    await page.getByRole('button', { name: 'Flag', exact: true }).click();
    await page.getByText('Flag changed.').waitFor();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const msg = await client.fetchOne(String(uid), { flags: true }, { uid: true });
      assert.ok(msg && msg.flags?.has('\\Flagged'), 'IMAP sees the webmail flag');
      await client.messageFlagsRemove(String(uid), ['\\Flagged'], { uid: true });
      await client.messageFlagsAdd(String(uid), ['\\Answered'], { uid: true });
    } finally {
      lock.release();
    }
    await page.reload();
    assert.match(await page.locator('#message-flags').innerText(), /^Replied$/);
    assert.deepEqual((await getMessage(w.database.db, inbox.id, uid))!.flags.sort(), ['\\Answered', '\\Seen']);
    await shot('12-imap-flags');
  } finally {
    await client.logout().catch(() => {});
    await imap.close();
  }
});
