import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SMTPServer } from 'smtp-server';
import type { DB } from '../../db/schema.ts';
import type { Settings } from '../../config/settings.ts';
import { createMxServer } from './mx.ts';
import { createSubmissionServer } from './submission.ts';
import { loadTlsCredentials } from './tls.ts';
import { secureMailOptions } from '../secure/options.ts';

/** Starts the three SMTP front doors (MX, submission with STARTTLS, submission with implicit TLS). */
export type SmtpFrontDoors = { mxPort: number; submissionPort: number; submissionsPort: number; selfSigned: boolean; close(): Promise<void> };

export function mailHostname(settings: Settings): string {
  return `mail.${settings.domain}`;
}

function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(port, host, () => {
      server.server.off('error', onError);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
}

export async function startSmtpFrontDoors(db: Kysely<DB>, settings: Settings, log: Logger): Promise<SmtpFrontDoors> {
  const hostname = mailHostname(settings);
  const tls = loadTlsCredentials({ certFile: settings.mail.tlsCertFile, keyFile: settings.mail.tlsKeyFile, dataDir: settings.dataDir, hostname });
  const localDomains = [settings.domain];
  const common = { db, localDomains, hostname, tls, log, secure: secureMailOptions(settings, localDomains) };
  const mx = createMxServer(common);
  const submission = createSubmissionServer({ ...common, demoMode: settings.demo, implicitTls: false });
  const submissions = createSubmissionServer({ ...common, demoMode: settings.demo, implicitTls: true });
  const started: SMTPServer[] = [];
  const close = async () => {
    await Promise.all(started.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  try {
    const mxPort = await listen(mx, settings.smtpPort, settings.host);
    started.push(mx);
    const submissionPort = await listen(submission, settings.submissionPort, settings.host);
    started.push(submission);
    const submissionsPort = await listen(submissions, settings.mail.submissionsPort, settings.host);
    started.push(submissions);
    return { mxPort, submissionPort, submissionsPort, selfSigned: tls.selfSigned, close };
  } catch (err) {
    await close();
    throw err;
  }
}
