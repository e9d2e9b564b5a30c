import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { DB } from '../../db/schema.ts';
import { verifyPassword } from '../../identity/verify-password.ts';
import { plausibleAddress } from '../delivery/recipients.ts';
import { checkCanSend, checkSender, submitMessage, SubmissionRefused } from '../delivery/submit.ts';
import { MAX_MESSAGE_BYTES, MAX_RECIPIENTS, readMessage, receivedHeader, reply, sizeText } from './common.ts';
import type { TlsCredentials } from './tls.ts';
import { AuthAfterTlsServer } from './auth-after-tls.ts';
import { OutboundPolicyRefused } from '../secure/outbound-policy.ts';
import type { SecureMailOptions } from '../secure/options.ts';

/**
 * SMTP submission for mail programs (587 with STARTTLS, 465 with implicit
 * TLS): AUTH PLAIN/LOGIN only once the connection is encrypted, checked by
 * `verifyPassword` (so failures count towards lockout), then the same
 * `submitMessage` path as webmail.
 */
export type SubmissionOptions = {
  db: Kysely<DB>;
  localDomains: string[];
  hostname: string;
  tls: TlsCredentials;
  demoMode: boolean;
  /** true: TLS from the first byte (465); false: STARTTLS (587). */
  implicitTls: boolean;
  log?: Logger;
  maxBytes?: number;
  /** Secure messaging: the service key and policy for outside recipients (SPEC 7). */
  secure?: SecureMailOptions;
};

const REFUSAL_CODES: Record<string, number> = {
  sending_blocked: 554, not_active: 554, over_quota: 552, sender_not_allowed: 553, no_recipients: 554, bad_recipient: 553,
};

function refusal(err: unknown) {
  if (err instanceof OutboundPolicyRefused) return reply(err.responseCode, `${err.enhancedStatus} ${err.smtpText}`);
  if (err instanceof SubmissionRefused) {
    const enhanced = err.code === 'over_quota' ? '5.2.2' : err.code === 'sender_not_allowed' ? '5.7.1' : '5.7.1';
    return reply(REFUSAL_CODES[err.code] ?? 554, `${enhanced} ${err.message}`);
  }
  return reply(451, '4.3.0 A temporary problem here; please try again later.');
}

export function submissionServerOptions(o: SubmissionOptions): SMTPServerOptions {
  const maxBytes = o.maxBytes ?? MAX_MESSAGE_BYTES;
  return {
    name: o.hostname,
    banner: 'Caremail submission',
    secure: o.implicitTls,
    key: o.tls.key,
    cert: o.tls.cert,
    size: maxBytes,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    allowInsecureAuth: false,
    authRequiredMessage: 'Sign in first (AUTH), with your Caremail address and password or an app password.',
    hideDSN: true,
    hideREQUIRETLS: true,
    // Our replies carry their own enhanced codes; the library's defaults would be wrong for some of them.
    hideENHANCEDSTATUSCODES: true,
    disableReverseLookup: true,
    logger: false,
    socketTimeout: 300_000,
    closeTimeout: 5_000,
    onAuth(auth, session, cb) {
      verifyPassword(o.db, auth.username ?? '', auth.password ?? '', {
        frontDoor: 'smtp', ip: session.remoteAddress, client: session.clientHostname ?? null, demoMode: o.demoMode,
      })
        .then((r) => (r.ok ? cb(null, { user: r.accountId }) : cb(reply(535, '5.7.8 The email address or password is not right.'))))
        .catch((err) => {
          o.log?.error({ err }, 'SMTP sign-in check failed');
          cb(reply(454, '4.7.0 A temporary problem here; please try again later.'));
        });
    },
    onMailFrom(address, session, cb) {
      const accountId = String(session.user);
      checkCanSend(o.db, accountId)
        .then(() => checkSender(o.db, accountId, address.address))
        .then(() => cb())
        .catch((err) => cb(refusal(err)));
    },
    onRcptTo(address, session, cb) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return cb(reply(452, `4.5.3 Too many recipients: at most ${MAX_RECIPIENTS} in one message.`));
      if (!plausibleAddress(address.address.toLowerCase())) return cb(reply(553, `5.1.3 ${address.address} is not a valid email address.`));
      cb();
    },
    onData(stream, session, cb) {
      readMessage(stream, maxBytes)
        .then(async (raw) => {
          if (!raw) return cb(reply(552, `5.3.4 The message is larger than ${sizeText(maxBytes)}. Send large files another way.`));
          const id = randomBytes(6).toString('hex');
          const full = Buffer.concat([Buffer.from(receivedHeader(session, o.hostname, id)), raw]);
          const accepted = await submitMessage(o.db, String(session.user), full, {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            recipients: session.envelope.rcptTo.map((r) => r.address),
          }, { localDomains: o.localDomains, secure: o.secure });
          cb(null, `Accepted and queued as ${accepted.queueIds.join(',')}`);
        })
        .catch((err) => {
          if (!(err instanceof SubmissionRefused) && !(err instanceof OutboundPolicyRefused)) o.log?.error({ err }, 'submission failed');
          cb(refusal(err));
        });
    },
  };
}

export function createSubmissionServer(o: SubmissionOptions): SMTPServer {
  // On 465 the connection is encrypted from the first byte, so AUTH is listed at once either way.
  const server = new AuthAfterTlsServer(submissionServerOptions(o));
  server.on('error', (err) => o.log?.warn({ err }, 'SMTP submission connection error'));
  return server;
}
