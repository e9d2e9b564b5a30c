import { createHmac } from 'node:crypto';
import type { EmailNotice, Notifier, SmsNotice } from './notifier.ts';

/**
 * GOV.UK Notify over its HTTP API (POST /v2/notifications/email and /sms),
 * authenticated by a JWT made from the API key on every request. Notify sends
 * from templates, so Caremail uses one email template with ((subject)) and
 * ((body)) and one text message template with ((body)), and puts its own words
 * in the personalisation.
 */
export type NotifyConfig = {
  apiKey: string;
  baseUrl: string;
  emailTemplateId: string;
  smsTemplateId: string;
  /** For tests: a fixed clock. */
  now?: () => Date;
};

export class NotifyError extends Error {}

/** A key is "name-serviceid-secret": the service id and the secret are the last two UUIDs. */
export function parseNotifyKey(apiKey: string): { serviceId: string; secret: string } {
  if (apiKey.length < 74) throw new NotifyError('The GOV.UK Notify API key is too short: copy the whole key from Notify.');
  return { serviceId: apiKey.slice(-73, -37), secret: apiKey.slice(-36) };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** HS256 JWT with iss = service id and iat = now, signed with the key's secret, as Notify asks. */
export function notifyToken(apiKey: string, now = new Date()): string {
  const { serviceId, secret } = parseNotifyKey(apiKey);
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const claims = b64url(JSON.stringify({ iss: serviceId, iat: Math.floor(now.getTime() / 1000) }));
  const signature = createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${signature}`;
}

export function govukNotifyNotifier(config: NotifyConfig): Notifier {
  parseNotifyKey(config.apiKey);
  async function post(path: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${config.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${notifyToken(config.apiKey, config.now?.() ?? new Date())}`,
        'content-type': 'application/json',
        'user-agent': 'caremail',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status !== 201) {
      // Notify's errors are [{ error, message }]; its message names the problem (bad template, team-only key...).
      const text = await res.text().catch(() => '');
      let detail = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { errors?: Array<{ error: string; message: string }> };
        if (parsed.errors?.length) detail = parsed.errors.map((e) => `${e.error}: ${e.message}`).join('; ');
      } catch { /* not JSON: keep the text */ }
      throw new NotifyError(`GOV.UK Notify refused the ${path.endsWith('sms') ? 'text message' : 'email'} (HTTP ${res.status}): ${detail}`);
    }
  }
  return {
    async email(n: EmailNotice) {
      await post('/v2/notifications/email', {
        email_address: n.to,
        template_id: config.emailTemplateId,
        personalisation: { subject: n.subject, body: n.text },
        reference: n.purpose,
      });
    },
    async sms(n: SmsNotice) {
      await post('/v2/notifications/sms', {
        phone_number: n.to,
        template_id: config.smsTemplateId,
        personalisation: { body: n.text },
        reference: n.purpose,
      });
    },
  };
}
