import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { reminderFor, sendPasswordExpiryReminders } from '../../src/identity/password-expiry-job.ts';
import { outboxNotifier, readOutbox, type Notifier } from '../../src/notify/notifier.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { demoWorld } from '../helpers/world.ts';

const DAY = 86_400_000;
let database: TestDatabase;
const now = new Date('2026-06-01T08:00:00Z');
const email = 'jane.smith@care.example';

before(async () => {
  database = await openTestDatabase();
  await demoWorld(database.db);
});
after(async () => {
  await database.close();
});
beforeEach(async () => {
  await database.db.deleteFrom('outbox_messages').execute();
  await database.db.deleteFrom('password_reminders_sent').execute();
  // Everyone else changed their password today; only Jane's is old.
  await database.db.updateTable('accounts').set({ password_changed_at: now }).execute();
});
const setDaysLeft = (days: number) =>
  database.db.updateTable('accounts').set({ password_changed_at: new Date(now.getTime() - (365 - days) * DAY) }).where('email', '=', email).execute();
const reminders = () => readOutbox(database.db, { recipient: email, purpose: 'password_expiry_reminder' });

test('the reminder due is the nearest of 18, 10, 5, 2 and 1 days at or above the days left', () => {
  assert.deepEqual([30, 19, 18, 17, 10, 6, 5, 3, 2, 1, 0].map((d) => reminderFor(d)), [null, null, 18, 18, 10, 10, 5, 5, 2, 1, null]);
});

test('a reminder is sent on each threshold day, once', async () => {
  for (const days of [18, 10, 5, 2, 1]) {
    await setDaysLeft(days);
    assert.equal(await sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://portal.example' }), 1, `${days} days`);
    assert.equal(await sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://portal.example' }), 0, `${days} days again`);
  }
  const sent = await reminders();
  assert.equal(sent.length, 5);
  assert.deepEqual(sent.map((m) => m.subject).sort(), [
    'Your Caremail password expires in 1 day', 'Your Caremail password expires in 10 days', 'Your Caremail password expires in 18 days',
    'Your Caremail password expires in 2 days', 'Your Caremail password expires in 5 days',
  ]);
  assert.match(sent[0].body, /https:\/\/portal\.example\/account\/password/);
});

test('the job run twice at once (as by two processes) sends each reminder once', async () => {
  await setDaysLeft(5);
  const results = await Promise.all([1, 2, 3].map(() => sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://p' })));
  assert.equal(results.reduce((a, b) => a + b, 0), 1);
  assert.equal((await reminders()).length, 1);
});

test('a failed send is tried again on the next run', async () => {
  await setDaysLeft(2);
  const failing: Notifier = { email: async () => { throw new Error('provider down'); }, sms: async () => {} };
  await assert.rejects(sendPasswordExpiryReminders(database.db, failing, { now, publicUrl: 'https://p' }), /provider down/);
  assert.equal(await sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://p' }), 1);
});

test('a new password starts a new cycle of reminders', async () => {
  await setDaysLeft(10);
  await sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://p' });
  await database.db.updateTable('accounts').set({ password_changed_at: new Date(now.getTime() - (365 - 10) * DAY + 1000) }).where('email', '=', email).execute();
  assert.equal(await sendPasswordExpiryReminders(database.db, outboxNotifier(database.db), { now, publicUrl: 'https://p' }), 1);
});
