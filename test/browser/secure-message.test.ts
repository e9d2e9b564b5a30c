import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { keepScreenshot, launchBrowser } from '../helpers/browser.ts';
import { freePort, type ServiceProcess, startServiceProcess } from '../helpers/service-process.ts';
import { startInternet, type Internet } from '../mail/delivery/helpers.ts';

/**
 * The whole path of a [secure] message, with the real service: Jane signs in
 * to SMTP submission and sends "[secure] results" with an attachment to an
 * outside address; the service's relay is a local SMTP server standing in for
 * the internet. The notification arrives there without the content; Chromium
 * opens the link, takes the code from that server, reads the message, downloads
 * the attachment and replies; the reply lands in Jane's INBOX (seen through the
 * Portal's list of secure messages, and over IMAP).
 */
let database: TestDatabase | undefined;
let service: ServiceProcess;
let browser: Browser;
let internet: Internet;
let submissionPort: number;
let imapPort: number;

before(async () => {
  internet = await startInternet();
  submissionPort = await freePort();
  imapPort = await freePort();
  if (process.env.DATABASE_URL) database = await openTestDatabase();
  service = await startServiceProcess({
    databaseUrl: database?.url,
    env: {
      CAREMAIL_RELAY_URL: `smtp://127.0.0.1:${internet.port}`,
      CAREMAIL_PUBLIC_URL: 'http://portal.test',
      CAREMAIL_SUBMISSION_PORT: String(submissionPort),
      CAREMAIL_IMAP_PORT: String(imapPort),
      CAREMAIL_SECURE_MESSAGE_KEY: Buffer.alloc(32, 5).toString('base64'),
      CAREMAIL_RETRY_BASE_SECONDS: '1',
    },
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await service?.stop();
  await database?.close();
  await internet?.close();
});

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function mailFor(address: string, match: RegExp, after = 0) {
  const hit = await waitFor(`mail to ${address} matching ${match}`, () => internet.received.slice(after).find((m) => m.to.includes(address) && match.test(m.raw.toString())));
  return simpleParser(hit.raw);
}

async function sendAsJane(to: string, subject: string, text: string, attachments: Array<{ filename: string; content: string }> = []) {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port: submissionPort, secure: false, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'jane.smith@care.example', pass: DEMO_PASSWORD } });
  try {
    await t.sendMail({ from: 'jane.smith@care.example', to, subject, text, attachments });
  } finally {
    t.close();
  }
}

const linkOf = (text: string) => {
  const m = /http:\/\/portal\.test(\/secure\/m\/[A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, 'the notification has a link');
  return `${service.baseUrl}${m[1]}`;
};

async function signInAsJane(page: Page) {
  await page.goto(`${service.baseUrl}/sign-in`);
  await page.getByLabel('Email address').fill('jane.smith@care.example');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${service.baseUrl}/`);
}

test('[secure] results reach an outside address as a link; the recipient proves the address, reads, downloads and replies; the reply is in the sender\'s INBOX', async () => {
  const mark = internet.received.length;
  await sendAsJane('pat.jones@outside.example', '[secure] results', 'Potassium 5.9 mmol/L. Please repeat the test this week.', [{ filename: 'results.csv', content: 'test,value\nK,5.9\n' }]);
  const notice = await mailFor('pat.jones@outside.example', /has sent you a secure email/, mark);
  const noticeRaw = internet.received.find((m) => m.to.includes('pat.jones@outside.example'))!.raw.toString();
  assert.doesNotMatch(noticeRaw, /Potassium|results\.csv|K,5\.9|\[secure\] results/, 'nothing of the message is in the notification');

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(linkOf(notice.text ?? ''));
  await keepScreenshot(page, 'secure-01-start');
  assert.ok(await page.getByText('p***@outside.example').isVisible());
  const beforeCode = internet.received.length;
  await page.getByRole('button', { name: 'Send me a code' }).click();
  await page.waitForURL(/\/verify$/);
  const codeMail = await mailFor('pat.jones@outside.example', /Your Caremail code is/, beforeCode);
  const code = /code is (\d{6})/.exec(codeMail.text ?? '')![1];

  await page.getByLabel('Code').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.ok(await page.getByRole('alert').getByText('The code is not right. You have 4 tries left.').isVisible());
  await keepScreenshot(page, 'secure-02-wrong-code');
  await page.getByLabel('Code').fill(code);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(/\/read$/);
  await keepScreenshot(page, 'secure-03-read');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'results');
  assert.match((await page.locator('#message-text').textContent()) ?? '', /Potassium 5\.9 mmol\/L/);

  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'results.csv' }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), 'results.csv');
  assert.equal(readFileSync((await download.path())!, 'utf8'), 'test,value\nK,5.9\n');

  await page.getByLabel('Your reply').fill('Thank you, I will book the repeat test for Thursday.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await page.waitForURL(/\/read\?done=reply$/);
  assert.ok(await page.getByText('Your reply has been sent securely to jane.smith@care.example.').isVisible());
  await keepScreenshot(page, 'secure-04-replied');
  assert.equal(internet.received.filter((m) => m.raw.toString().includes('book the repeat test')).length, 0, 'the reply never goes out to the internet');

  // The sender sees it was read and replied to, and the reply is in her INBOX.
  const jane = await (await browser.newContext()).newPage();
  await signInAsJane(jane);
  await jane.goto(`${service.baseUrl}/secure/sent`);
  await keepScreenshot(jane, 'secure-05-sent-list');
  const row = jane.locator('#secure-sent tr', { hasText: 'pat.jones@outside.example' });
  assert.match((await row.textContent()) ?? '', /Read .*1 reply/s);
  // Jane's mail program sees the reply in her INBOX.
  const imap = new ImapFlow({ host: '127.0.0.1', port: imapPort, secure: false, auth: { user: 'jane.smith@care.example', pass: DEMO_PASSWORD }, logger: false, tls: { rejectUnauthorized: false } });
  await imap.connect();
  try {
    const lock = await imap.getMailboxLock('INBOX');
    try {
      const found = await waitFor('the reply in the INBOX', async () => {
        for await (const m of imap.fetch('1:*', { envelope: true, source: true })) {
          if (m.envelope?.subject === 'Re: results') return m;
        }
        return undefined;
      });
      assert.equal(found.envelope?.from?.[0]?.address, 'pat.jones@outside.example');
      assert.match(found.source?.toString() ?? '', /book the repeat test/);
    } finally {
      lock.release();
    }
  } finally {
    await imap.logout();
  }
  await context.close();
});

test('a withdrawn message can no longer be opened, and the recipient is told so', async () => {
  const mark = internet.received.length;
  await sendAsJane('withdrawn@outside.example', 'Clinic letter [SECURE]', 'To be withdrawn.');
  const notice = await mailFor('withdrawn@outside.example', /has sent you a secure email/, mark);
  const page = await (await browser.newContext()).newPage();
  await signInAsJane(page);
  await page.goto(`${service.baseUrl}/secure/sent`);
  await page.locator('#secure-sent tr', { hasText: 'withdrawn@outside.example' }).getByRole('button', { name: /Withdraw/ }).click();
  assert.ok(await page.getByText('The message has been withdrawn.').isVisible());
  const reader = await (await browser.newContext()).newPage();
  const res = await reader.goto(linkOf(notice.text ?? ''));
  assert.equal(res?.status(), 410);
  assert.ok(await reader.getByRole('heading', { name: 'The sender has withdrawn this email' }).isVisible());
  await keepScreenshot(reader, 'secure-06-withdrawn');
});

test('patient data to an outside address without [secure] is refused at submission with the explanation', async () => {
  await assert.rejects(sendAsJane('gp@outside.example', 'Referral', 'Patient 943 476 5919 needs review.'), (err: { responseCode?: number; response?: string }) => {
    assert.equal(err.responseCode, 550);
    assert.match(err.response ?? '', /NHS number.*Add \[secure\] to the subject/);
    return true;
  });
});
