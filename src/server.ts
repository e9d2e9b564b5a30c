import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Settings } from './config/settings.ts';
import { type Database, databaseAnswers, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createDemoWorld, databaseIsEmpty, DEMO_PASSWORD } from './demo/world.ts';
import { buildPortal } from './portal/app.ts';
import { makeLogger } from './shared/log.ts';
import { outboxNotifier } from './notify/notifier.ts';

/**
 * One process runs every front door over the same domain modules. Anything
 * another process needs (sessions, counters, queues) is in the database, so any
 * number of processes may serve one PostgreSQL database.
 */
export type RunningService = {
  database: Database;
  http: FastifyInstance;
  httpPort: number;
  demoSignIns: Array<{ email: string; role: string }>;
  close(): Promise<void>;
};

export async function startService(settings: Settings, log: Logger = makeLogger(settings.logLevel)): Promise<RunningService> {
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  let http: FastifyInstance | undefined;
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) log.info({ migrations: applied }, 'database schema brought up to date');
    let demoSignIns: Array<{ email: string; role: string }> = [];
    if (settings.demo && (await databaseIsEmpty(database.db))) {
      demoSignIns = await createDemoWorld(database.db, settings.domain);
      log.info({ accounts: demoSignIns.length }, 'demo world created');
    }
    const notifier = outboxNotifier(database.db);
    http = await buildPortal({ db: database.db, settings, log, notifier, databaseAnswers: () => databaseAnswers(database.db) });
    await http.listen({ port: settings.httpPort, host: settings.host });
    const httpPort = (http.server.address() as AddressInfo).port;
    const running: RunningService = {
      database,
      http,
      httpPort,
      demoSignIns,
      async close() {
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
  ];
  if (settings.demo) {
    lines.push('', `Demo mode: every demo account's password is ${DEMO_PASSWORD}`);
    lines.push('  alex.morgan@' + settings.domain + '   Local Primary Administrator, Northfield NHS Foundation Trust');
    lines.push('  sam.taylor@' + settings.domain + '    Local Administrator, Northfield NHS Foundation Trust');
    lines.push('  priya.patel@' + settings.domain + '   Global Admin');
    lines.push('  nadia.shah@' + settings.domain + '    National Administration Service administrator');
    lines.push('  jonathan.smith@' + settings.domain + ' a consultant at Northfield General Hospital');
  }
  lines.push('');
  return lines.join('\n');
}
