import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { govukNotifyNotifier, NotifyError, notifyToken, parseNotifyKey } from '../../src/notify/govuk-notify.ts';
import { notifierFor } from '../../src/notify/choose.ts';
import { testSettings } from '../../src/config/settings.ts';

const SERVICE_ID = '26785a09-ab16-4eb0-8407-a37497a57506';
const SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0';
const API_KEY = `caremail_test-${SERVICE_ID}-${SECRET}`;
const EMAIL_TEMPLATE = 'f33517ff-2a88-4f6e-b855-c550268ce08a';
const SMS_TEMPLATE = 'b3e6a7a4-8c1d-4f6e-9a55-3a1f5f0b2c11';

type Seen = { method: string; path: string; auth: string; body: Record<string, unknown> };
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let answer: { status: number; body: unknown } = { status: 201, body: { id: 'x' } };

/** A stand-in for Notify that checks the token as Notify does: HS256 over the secret, iss = service id, iat within 30 s. */
function tokenProblem(auth: string): string | null {
  const m = auth.match(/^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/);
  if (!m) return 'no bearer token';
  const [, head, claims, sig] = m;
  if (JSON.parse(Buffer.from(head, 'base64url').toString()).alg !== 'HS256') return 'not HS256';
  const expected = createHmac('sha256', SECRET).update(`${head}.${claims}`).digest('base64url');
  if (sig !== expected) return 'bad signature';
  const c = JSON.parse(Buffer.from(claims, 'base64url').toString());
  if (c.iss !== SERVICE_ID) return 'wrong iss';
  if (Math.abs(c.iat - Date.now() / 1000) > 30) return 'iat too far from now';
  return null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s;
}

before(async () => {
  server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}');
    seen.push({ method: req.method!, path: req.url!, auth: String(req.headers.authorization ?? ''), body });
    const problem = tokenProblem(String(req.headers.authorization ?? ''));
    if (problem) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ status_code: 403, errors: [{ error: 'AuthError', message: problem }] }));
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen = [];
  answer = { status: 201, body: { id: 'x' } };
});

const notifier = () => govukNotifyNotifier({ apiKey: API_KEY, baseUrl, emailTemplateId: EMAIL_TEMPLATE, smsTemplateId: SMS_TEMPLATE });

test('the API key splits into service id and secret', () => {
  assert.deepEqual(parseNotifyKey(API_KEY), { serviceId: SERVICE_ID, secret: SECRET });
  assert.throws(() => parseNotifyKey('short'), NotifyError);
});

test('an email is POSTed to /v2/notifications/email with a signed token and the template personalisation', async () => {
  await notifier().email({ to: 'jane.smith@care.example', subject: 'Your password expires in 5 days', text: 'Change it in the Portal.', purpose: 'password_expiry_reminder' });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].method, 'POST');
  assert.equal(seen[0].path, '/v2/notifications/email');
  assert.equal(tokenProblem(seen[0].auth), null);
  assert.deepEqual(seen[0].body, {
    email_address: 'jane.smith@care.example',
    template_id: EMAIL_TEMPLATE,
    personalisation: { subject: 'Your password expires in 5 days', body: 'Change it in the Portal.' },
    reference: 'password_expiry_reminder',
  });
});

test('a text message is POSTed to /v2/notifications/sms', async () => {
  await notifier().sms({ to: '07700900123', text: 'Your Caremail code is 123456', purpose: 'sms_code' });
  assert.equal(seen[0].path, '/v2/notifications/sms');
  assert.equal(tokenProblem(seen[0].auth), null);
  assert.deepEqual(seen[0].body, { phone_number: '07700900123', template_id: SMS_TEMPLATE, personalisation: { body: 'Your Caremail code is 123456' }, reference: 'sms_code' });
});

test('a token signed with the wrong secret is refused by the stub, and Notify’s reason reaches the error', async () => {
  const wrong = govukNotifyNotifier({ apiKey: `k-${SERVICE_ID}-00000000-0000-0000-0000-000000000000`, baseUrl, emailTemplateId: EMAIL_TEMPLATE, smsTemplateId: SMS_TEMPLATE });
  await assert.rejects(wrong.sms({ to: '07700900123', text: 'x', purpose: 't' }), /HTTP 403\): AuthError: bad signature/);
});

test('a Notify error (bad template) is reported with its message', async () => {
  answer = { status: 400, body: { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Template not found' }] } };
  await assert.rejects(notifier().email({ to: 'a@care.example', subject: 's', text: 't', purpose: 'p' }), /Template not found/);
});

test('the token carries iat as whole seconds', () => {
  const t = notifyToken(API_KEY, new Date('2026-01-01T00:00:00.900Z'));
  assert.equal(JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).iat, 1767225600);
});

test('the settings choose Notify only when a key is set, and ask for the templates', () => {
  const fakeDb = {} as never;
  assert.equal(notifierFor(testSettings(), fakeDb).provider, 'outbox');
  const withKey = testSettings({ notify: { apiKey: API_KEY, baseUrl, emailTemplateId: EMAIL_TEMPLATE, smsTemplateId: SMS_TEMPLATE } });
  assert.equal(notifierFor(withKey, fakeDb).provider, 'govuk_notify');
  assert.throws(() => notifierFor(testSettings({ notify: { apiKey: API_KEY, baseUrl, emailTemplateId: undefined, smsTemplateId: undefined } }), fakeDb), /CAREMAIL_NOTIFY_EMAIL_TEMPLATE/);
});
