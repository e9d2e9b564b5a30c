import type { Logger } from 'pino';
import type { Settings } from '../../config/settings.ts';
import type { Database } from '../../db/database.ts';
import type { Notifier } from '../../notify/notifier.ts';
import { ensureDkimKey } from '../delivery/dkim.ts';
import { nodemailerDeliverer, type MxResolver } from '../delivery/remote.ts';
import { QueueWorker } from './worker.ts';

/** The queue worker as the service runs it, from the operator's settings. */
export async function startQueueWorker(
  database: Database,
  settings: Settings,
  log: Logger,
  notifier: Notifier,
  opts: { resolver?: MxResolver; mxPort?: number } = {},
): Promise<QueueWorker> {
  const hostname = `mail.${settings.domain}`;
  // Made in the background at first start; remote delivery makes it too if it is still missing.
  void ensureDkimKey(database.db, settings.domain).catch((err) => log.warn({ err }, 'could not make the DKIM key yet; it will be made when first needed'));
  const worker = new QueueWorker({
    db: database.db,
    database,
    localDomains: [settings.domain],
    hostname,
    blockedExtensions: settings.mail.blockedExtensions,
    outsideBanner: true,
    notifier,
    remote: nodemailerDeliverer({ relayUrl: settings.mail.relayUrl, heloName: hostname, resolver: opts.resolver, mxPort: opts.mxPort }),
    retry: { baseSeconds: settings.mail.retryBaseSeconds, maxDelaySeconds: 4 * 3600, lifetimeSeconds: settings.mail.queueLifetimeHours * 3600 },
    log,
    localConcurrency: database.kind === 'postgres' ? 2 : 1,
  });
  await worker.start();
  return worker;
}
