import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.ts';
import type { Notifier } from '../notify/notifier.ts';
import { DEFAULT_EXPIRY_SETTINGS, passwordExpiry } from './policy/password-policy.ts';

/**
 * Password expiry reminders (18, 10, 5, 2 and 1 days before). The job runs in
 * every process; before sending, a process claims the reminder by inserting a
 * row in `password_reminders_sent` keyed by account, password and threshold, so
 * however many processes run it at once only one insert succeeds and each
 * reminder goes once. The claim is committed before the send rather than held
 * open in a transaction, so no connection waits on the provider; a failed send
 * gives the claim back and is tried again on the next run.
 */
const DAY_MS = 86_400_000;

/** The reminder due for this many days left: the nearest threshold at or above it, so a day missed while the service was down is caught up. */
export function reminderFor(daysLeft: number, reminderDays: readonly number[] = DEFAULT_EXPIRY_SETTINGS.reminderDays): number | null {
  const due = reminderDays.filter((d) => d >= daysLeft);
  return daysLeft > 0 && due.length ? Math.min(...due) : null;
}

export async function sendPasswordExpiryReminders(
  db: Kysely<DB>,
  notifier: Notifier,
  opts: { now?: Date; publicUrl: string },
): Promise<number> {
  const now = opts.now ?? new Date();
  const { expiryDays, reminderDays } = DEFAULT_EXPIRY_SETTINGS;
  const earliest = new Date(now.getTime() - expiryDays * DAY_MS);
  const latest = new Date(now.getTime() - (expiryDays - Math.max(...reminderDays) - 1) * DAY_MS);
  const candidates = await db
    .selectFrom('accounts')
    .select(['id', 'email', 'first_name', 'password_changed_at'])
    .where('password_temporary', '=', false)
    .where('status', 'in', ['active', 'leaver', 'inactive'])
    .where('kind', '=', 'person')
    .where('password_changed_at', '>', earliest)
    .where('password_changed_at', '<=', latest)
    .execute();
  let sent = 0;
  for (const a of candidates) {
    const { daysLeft, expiresAt } = passwordExpiry(a.password_changed_at!, now);
    const threshold = reminderFor(daysLeft, reminderDays);
    if (threshold === null) continue;
    const claimed = await db
      .insertInto('password_reminders_sent')
      .values({ account_id: a.id, password_changed_at: a.password_changed_at!, days_before: threshold })
      .onConflict((oc) => oc.doNothing())
      .returning('account_id')
      .executeTakeFirst();
    if (!claimed) continue;
    const when = expiresAt.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
    try {
      await notifier.email({
        to: a.email,
        subject: `Your Caremail password expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`,
        text: [
          `Dear ${a.first_name},`,
          '',
          `Your Caremail password expires on ${when}. Change it before then at ${opts.publicUrl}/account/password`,
          '',
          'If you use a mail program or phone with your account password, update the password there too, or your account may be locked.',
        ].join('\n'),
        purpose: 'password_expiry_reminder',
        accountId: a.id,
      });
    } catch (err) {
      // Give the claim back, so the next run (in any process) tries again.
      await db.deleteFrom('password_reminders_sent')
        .where('account_id', '=', a.id).where('password_changed_at', '=', a.password_changed_at!).where('days_before', '=', threshold)
        .execute();
      throw err;
    }
    sent++;
  }
  return sent;
}

/** Runs the reminders soon after start and then every hour, in this process. */
export function startPasswordExpiryJob(db: Kysely<DB>, notifier: Notifier, log: Logger, opts: { publicUrl: string; everyMs?: number }): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = sendPasswordExpiryReminders(db, notifier, { publicUrl: opts.publicUrl })
      .then((n) => { if (n) log.info({ reminders: n }, 'password expiry reminders sent'); })
      .catch((err) => log.error({ err }, 'password expiry reminders failed; they will be tried again'));
  };
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, opts.everyMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
