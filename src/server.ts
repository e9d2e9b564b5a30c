import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Settings } from './config/settings.ts';
import { type Database, databaseAnswers, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createDemoWorld, databaseIsEmpty, DEMO_PASSWORD } from './demo/world.ts';
import { buildPortal } from './portal/app.ts';
import { secretKeysFor } from './identity/secret-key.ts';
import { DEMO_TOTP_SEED } from './identity/mfa/totp.ts';
import { makeLogger } from './shared/log.ts';
import { startSmtpFrontDoors } from './mail/smtp/front-doors.ts';
import { startQueueWorker } from './mail/queue/start.ts';
import { startImapFrontDoor } from './mail/imap/server/front-door.ts';
import { startLifecycleScheduler } from './directory/lifecycle-jobs.ts';
import { lifecyclePolicy } from './directory/lifecycle.ts';
import { startSecureMessageExpiry } from './mail/secure/secure-messages.ts';
import { notifierFor } from './notify/choose.ts';
import { setLockoutPolicy } from './identity/lockout.ts';
import { startPasswordExpiryJob } from './identity/password-expiry-job.ts';

/**
 * One process runs every front door over the same domain modules. Anything
 * another process needs (sessions, counters, queues) is in the database, so any
 * number of processes may serve one PostgreSQL database.
 */
export type RunningService = {
  database: Database;
  http: FastifyInstance;
  httpPort: number;
  /** The SMTP front doors' ports: MX, submission (STARTTLS) and submission with implicit TLS. */
  smtp: { mxPort: number; submissionPort: number; submissionsPort: number; selfSigned: boolean };
  /** The IMAP front door's ports: STARTTLS and implicit TLS. */
  imap: { port: number; tlsPort: number | null };
  demoSignIns: Array<{ email: string; role: string }>;
  close(): Promise<void>;
};

export async function startService(settings: Settings, log: Logger = makeLogger(settings.logLevel)): Promise<RunningService> {
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  let http: FastifyInstance | undefined;
  try {
    // Made (in development) or read now, so a missing or bad key stops the service at start, not at a first sign-in.
    secretKeysFor(settings);
    const applied = await migrateToLatest(database.db);
    if (applied.length) log.info({ migrations: applied }, 'database schema brought up to date');
    let demoSignIns: Array<{ email: string; role: string }> = [];
    if (settings.demo && (await databaseIsEmpty(database.db))) {
      demoSignIns = await createDemoWorld(database.db, settings.domain);
      log.info({ accounts: demoSignIns.length }, 'demo world created');
    }
    setLockoutPolicy({ threshold: settings.lockoutThreshold, minutes: settings.lockoutMinutes });
    const { notifier, provider } = notifierFor(settings, database.db);
    log.info({ provider }, 'notifications provider chosen');
    http = await buildPortal({ db: database.db, settings, log, notifier, databaseAnswers: () => databaseAnswers(database.db) });
    await http.listen({ port: settings.httpPort, host: settings.host });
    const httpPort = (http.server.address() as AddressInfo).port;
    const smtp = await startSmtpFrontDoors(database.db, settings, log);
    const mailQueue = await startQueueWorker(database, settings, log, notifier).catch(async (err) => {
      await smtp.close();
      throw err;
    });
    const imap = await startImapFrontDoor(database, settings, log).catch(async (err) => {
      await mailQueue.stop();
      await smtp.close();
      throw err;
    });
    // Every process runs the reminders; the database makes sure each is sent once.
    const expiryJob = startPasswordExpiryJob(database.db, notifier, log, { publicUrl: settings.publicUrl });
    // Secure messages past their lifetime are erased hourly, by whichever process gets there first.
    const secureExpiry = startSecureMessageExpiry(database.db, (err) => log.error({ err }, 'erasing expired secure messages failed; it will be tried again'));
    // Every process runs the lifecycle steps; row locks make sure each account changes once.
    const lifecycle = startLifecycleScheduler(database.db, notifier, lifecyclePolicy(settings), settings.lifecycle.intervalSeconds, (err) =>
      log.error({ err }, 'account lifecycle run failed; it will be tried again'));
    const running: RunningService = {
      database,
      http,
      httpPort,
      demoSignIns,
      smtp: { mxPort: smtp.mxPort, submissionPort: smtp.submissionPort, submissionsPort: smtp.submissionsPort, selfSigned: smtp.selfSigned },
      imap: { port: imap.port, tlsPort: imap.tlsPort },
      async close() {
        await imap.close();
        await smtp.close();
        await mailQueue.stop();
        await lifecycle.stop();
        await expiryJob.stop();
        await secureExpiry.stop();
        await http!.close();
        await database.close();
      },
    };
    return running;
  } catch (err) {
    await http?.close().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
}

export function describeService(settings: Settings, running: RunningService): string {
  const lines = [
    '',
    'Caremail is running.',
    `  Portal (web)    http://${settings.host === '0.0.0.0' ? 'localhost' : settings.host}:${running.httpPort}/`,
    `  Health          http://${settings.host === '0.0.0.0' ? 'localhost' : settings.host}:${running.httpPort}/healthz`,
    `  Database        ${settings.databaseUrl ? 'PostgreSQL server (DATABASE_URL)' : `embedded PostgreSQL in ${settings.dataDir}`}`,
    `  Mail domain     ${settings.domain}`,
    `  SMTP (MX)       ${settings.host}:${running.smtp.mxPort}`,
    `  Submission      ${settings.host}:${running.smtp.submissionPort} (STARTTLS), ${settings.host}:${running.smtp.submissionsPort} (implicit TLS)${running.smtp.selfSigned ? ', self-signed certificate' : ''}`,
    `  IMAP            ${settings.host}:${running.imap.port} (STARTTLS)${running.imap.tlsPort ? `, ${settings.host}:${running.imap.tlsPort} (implicit TLS)` : ''}`,
  ];
  if (settings.demo) {
    lines.push('', `Demo mode: every demo account's password is ${DEMO_PASSWORD}`);
    lines.push(`Demo administrators also confirm with an authenticator app set up with the key ${DEMO_TOTP_SEED}`);
    lines.push('  alex.morgan@' + settings.domain + '   Local Primary Administrator, Northfield NHS Foundation Trust');
    lines.push('  sam.taylor@' + settings.domain + '    Local Administrator, Northfield NHS Foundation Trust');
    lines.push('  priya.patel@' + settings.domain + '   Global Admin');
    lines.push('  nadia.shah@' + settings.domain + '    National Administration Service administrator');
    lines.push('  jonathan.smith@' + settings.domain + ' a consultant at Northfield General Hospital');
  }
  lines.push('');
  return lines.join('\n');
}
