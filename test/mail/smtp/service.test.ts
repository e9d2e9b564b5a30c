import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import { freePort, startServiceProcess } from '../../helpers/service-process.ts';
import { onPostgres, openTestDatabase } from '../../helpers/db.ts';

test('caremail serve opens its SMTP doors, says where, and stores mail sent to it', async () => {
  const mxPort = await freePort();
  const svc = await startServiceProcess({ env: { CAREMAIL_SMTP_PORT: String(mxPort) } });
  try {
    assert.match(svc.output(), new RegExp(`SMTP \\(MX\\)\\s+127\\.0\\.0\\.1:${mxPort}`));
    assert.match(svc.output(), /Submission\s+127\.0\.0\.1:\d+ \(STARTTLS\), 127\.0\.0\.1:\d+ \(implicit TLS\)/);
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: mxPort, tls: { rejectUnauthorized: false } });
    const info = await t.sendMail({ from: 'someone@partner.example', to: 'jane.smith@care.example', subject: 'Hello', text: 'Hi' });
    assert.match(info.response, /^250 Accepted and stored/);
    t.close();
  } finally {
    await svc.stop();
  }
});

const KILL_REASON = 'needs a PostgreSQL server (set DATABASE_URL): the killed process and its successor share one database';

test('no accepted message is lost or doubled when the server is killed mid-flow (SIGKILL)', { skip: onPostgres() ? false : KILL_REASON, timeout: 300_000 }, async () => {
  const database = await openTestDatabase();
  const mxPort = await freePort();
  const env = { CAREMAIL_SMTP_PORT: String(mxPort) };
  let svc = await startServiceProcess({ databaseUrl: database.url, env });
  const recipients = ['jane.smith@care.example', 'amara.okafor@care.example', 'tom.baker@care.example', 'li.wei@care.example'];
  const accepted = new Set<number>();
  const attempted = new Set<number>();
  const TOTAL = 1000;
  let killed = false;
  try {
    // One connection per message, ten at a time: a cut connection fails only the message on it.
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: mxPort, tls: { rejectUnauthorized: false }, connectionTimeout: 5000, socketTimeout: 20_000 });
    let next = 0;
    const sender = async () => {
      while (next < TOTAL) {
        const i = next++;
        attempted.add(i);
        try {
          const info = await transport.sendMail({
            envelope: { from: 'load@partner.example', to: [recipients[i % recipients.length]] },
            raw: `From: load@partner.example\r\nTo: ${recipients[i % recipients.length]}\r\nSubject: kill-test-${i}\r\n\r\nmessage ${i}\r\n`,
          });
          if (/^250/.test(info.response)) accepted.add(i);
        } catch {
          /* refused or cut off: the sender would try again later */
        }
        if (!killed && accepted.size >= 300) {
          killed = true;
          svc.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, sender));
    transport.close();
    assert.ok(killed, 'the server was killed while accepting');
    const dead = svc.child;
    if (dead.exitCode === null && dead.signalCode === null) await new Promise((r) => dead.once('exit', r));
    svc = await startServiceProcess({ databaseUrl: database.url, env });
    for (let i = 0; i < 600; i++) {
      const left = await database.db.selectFrom('mail_queue').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const counts = await sql<{ subject: string; n: string }>`
      select subject, count(*) as n from mail_messages where subject like 'kill-test-%' group by subject`.execute(database.db);
    const delivered = new Map(counts.rows.map((r) => [Number(r.subject.slice('kill-test-'.length)), Number(r.n)]));
    const lost = [...accepted].filter((i) => delivered.get(i) !== 1);
    assert.deepEqual(lost, [], 'every message that got 250 is in its mailbox exactly once');
    assert.ok([...delivered.values()].every((n) => n === 1), 'no message delivered twice');
    assert.ok(accepted.size >= 300 && accepted.size < TOTAL, `accepted ${accepted.size} of ${attempted.size}`);
  } finally {
    await svc.stop();
    await database.close();
  }
});
