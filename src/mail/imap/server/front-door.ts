/**
 * The IMAP front door as the service starts it: the configured ports, the
 * same certificate as the SMTP front doors (configured, or self-signed in
 * development), and the settings' idle timeout.
 */
import type { Logger } from 'pino';
import type { Settings } from '../../../config/settings.ts';
import type { Database } from '../../../db/database.ts';
import { loadTlsCredentials } from '../../smtp/tls.ts';
import { startImapServer, type RunningImap } from './listener.ts';

export async function startImapFrontDoor(database: Database, settings: Settings, log: Logger): Promise<RunningImap> {
  const tls = loadTlsCredentials({
    certFile: settings.mail.tlsCertFile, keyFile: settings.mail.tlsKeyFile, dataDir: settings.dataDir, hostname: settings.domain,
  });
  return startImapServer(database, log.child({ frontDoor: 'imap' }), {
    host: settings.host,
    port: settings.imapPort,
    tlsPort: settings.imap.implicitTlsPort,
    tls,
    hostname: settings.domain,
    demoMode: settings.demo,
    idleTimeoutMs: settings.imap.idleTimeoutSeconds * 1000,
  });
}
