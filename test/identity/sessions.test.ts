import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSession, loadSession } from '../../src/identity/sessions.ts';
import { worldDatabase } from '../helpers/world-database.ts';

let accountId: string;
const t = worldDatabase(async () => {
  accountId = await t.idOf('jane.smith@care.example');
});

const at = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);

test('with the shortest idle setting (1 minute), a session used every 40 seconds stays open; left for over a minute it ends', async () => {
  const policy = { idleMinutes: 1, maxHours: 12 };
  const { token, session } = await createSession(t.database.db, accountId, { userAgent: 'test', ip: '127.0.0.1' }, policy);
  const start = session.createdAt;
  for (const s of [40, 80, 120, 160]) assert.ok(await loadSession(t.database.db, token, policy, at(start, s)), `open at ${s} s`);
  assert.equal(await loadSession(t.database.db, token, policy, at(start, 160 + 61)), null, 'ended after 61 s unused');
  assert.equal(await loadSession(t.database.db, token, policy, at(start, 160 + 62)), null, 'and stays ended');
});

test('with the default idle setting, a session is written to at most once a minute and ends 30 minutes after its last use', async () => {
  const policy = { idleMinutes: 30, maxHours: 12 };
  const { token, session } = await createSession(t.database.db, accountId, { userAgent: 'test', ip: '127.0.0.1' }, policy);
  const start = session.createdAt;
  const lastSeen = async () => (await t.database.db.selectFrom('sessions').select('last_seen_at').where('id_hash', '=', session.idHash).executeTakeFirstOrThrow()).last_seen_at.getTime();
  assert.ok(await loadSession(t.database.db, token, policy, at(start, 30)));
  assert.equal(await lastSeen(), start.getTime(), 'not written within the first minute');
  assert.ok(await loadSession(t.database.db, token, policy, at(start, 20 * 60)));
  assert.equal(await lastSeen(), at(start, 20 * 60).getTime());
  assert.ok(await loadSession(t.database.db, token, policy, at(start, 49 * 60)));
  assert.equal(await loadSession(t.database.db, token, policy, at(start, 49 * 60 + 30 * 60 + 1)), null);
});
