import type { Kysely } from 'kysely';
import type { Settings } from '../config/settings.ts';
import type { DB } from '../db/schema.ts';
import { govukNotifyNotifier } from './govuk-notify.ts';
import { type Notifier, outboxNotifier } from './notifier.ts';

/** GOV.UK Notify when a key is configured (with both templates), the development outbox otherwise. */
export function notifierFor(settings: Settings, db: Kysely<DB>): { notifier: Notifier; provider: 'govuk_notify' | 'outbox' } {
  const n = settings.notify;
  if (!n.apiKey) return { notifier: outboxNotifier(db), provider: 'outbox' };
  if (!n.emailTemplateId || !n.smsTemplateId) {
    throw new Error('CAREMAIL_NOTIFY_API_KEY is set, so CAREMAIL_NOTIFY_EMAIL_TEMPLATE and CAREMAIL_NOTIFY_SMS_TEMPLATE must be set too (the ids of the Notify templates to send with).');
  }
  return { notifier: govukNotifyNotifier({ apiKey: n.apiKey, baseUrl: n.baseUrl, emailTemplateId: n.emailTemplateId, smsTemplateId: n.smsTemplateId }), provider: 'govuk_notify' };
}
