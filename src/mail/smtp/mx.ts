import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { DB } from '../../db/schema.ts';
import { resolveRecipient } from '../delivery/recipients.ts';
import { acceptMessage, normaliseLineEndings } from '../queue/accept.ts';
import { MAX_MESSAGE_BYTES, MAX_RECIPIENTS, readMessage, receivedHeader, reply, sizeText } from './common.ts';
import type { TlsCredentials } from './tls.ts';
import { checkInboundAuthentication } from '../secure/inbound-auth.ts';
import type { SecureMailOptions } from '../secure/options.ts';

/**
 * SMTP for other mail servers (port 25): only translates. Mail is accepted
 * only for the service's own domains (never relayed), recipients are checked
 * at RCPT, and 250 is said only after `acceptMessage` has committed.
 */
export type MxOptions = {
  db: Kysely<DB>;
  localDomains: string[];
  hostname: string;
  tls: TlsCredentials;
  log?: Logger;
  maxBytes?: number;
  /** Secure messaging: inbound authentication and trusted relays (SPEC 7); the service always sets it. */
  secure?: SecureMailOptions;
};

export function mxServerOptions(o: MxOptions): SMTPServerOptions {
  const maxBytes = o.maxBytes ?? MAX_MESSAGE_BYTES;
  return {
    name: o.hostname,
    banner: 'Caremail ESMTP',
    key: o.tls.key,
    cert: o.tls.cert,
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH'],
    hideDSN: true,
    hideREQUIRETLS: true,
    // Our replies carry their own enhanced codes; the library's defaults would be wrong for some of them.
    hideENHANCEDSTATUSCODES: true,
    disableReverseLookup: true,
    logger: false,
    socketTimeout: 120_000,
    closeTimeout: 5_000,
    onMailFrom(address, _session, cb) {
      // The null sender (bounces) is allowed; anything else must look like an address.
      if (address.address && !/^[^\s@<>]+@[^\s@<>]+$/.test(address.address)) return cb(reply(553, '5.1.7 The sender address is not valid.'));
      cb();
    },
    onRcptTo(address, session, cb) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return cb(reply(452, `4.5.3 Too many recipients: send the rest in another message (at most ${MAX_RECIPIENTS} at once).`));
      resolveRecipient(o.db, address.address, o.localDomains)
        .then((r) => {
          if (r.kind === 'remote') return cb(reply(550, `5.7.1 Relaying denied: this server accepts mail only for ${o.localDomains.join(', ')}.`));
          if (r.kind === 'unknown') return cb(reply(550, `5.1.1 ${r.reason}`));
          if (r.mailboxFull) return cb(reply(452, `4.2.2 The mailbox ${r.address} is full. Try again later.`));
          cb();
        })
        .catch((err) => {
          o.log?.error({ err }, 'recipient check failed');
          cb(reply(451, '4.3.0 A temporary problem here; please try again later.'));
        });
    },
    onData(stream, session, cb) {
      readMessage(stream, maxBytes)
        .then(async (raw) => {
          if (!raw) return cb(reply(552, `5.3.4 The message is larger than this server accepts (${sizeText(maxBytes)}).`));
          const id = randomBytes(6).toString('hex');
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          // Secure messaging (SPEC 7): SPF, DKIM, DMARC and ARC into Authentication-Results; mail spoofing our domains is refused.
          const checked = o.secure ? await checkInboundAuthentication(o.db, normaliseLineEndings(raw), { ip: session.remoteAddress, helo: session.hostNameAppearsAs ?? '', clientHostname: session.clientHostname ?? '', mailFrom: from }, { serviceDomains: o.localDomains, hostname: o.hostname, trustedRelays: o.secure.trustedRelays, resolver: o.secure.resolver }) : null;
          if (checked && !checked.accept) return cb(reply(checked.responseCode, `5.7.1 ${checked.message}`));
          const full = Buffer.concat([Buffer.from(receivedHeader(session, o.hostname, id)), checked ? checked.raw : normaliseLineEndings(raw)]);
          const accepted = await acceptMessage(o.db, { from, recipients: session.envelope.rcptTo.map((r) => r.address), raw: full, origin: 'mx', localDomains: o.localDomains });
          cb(null, `Accepted and stored as ${accepted.queueIds.join(',')}`);
        })
        .catch((err) => {
          o.log?.error({ err }, 'accepting a message failed');
          cb(reply(451, '4.3.0 The message could not be stored just now; please try again later.'));
        });
    },
  };
}

export function createMxServer(o: MxOptions): SMTPServer {
  const server = new SMTPServer(mxServerOptions(o));
  server.on('error', (err) => o.log?.warn({ err }, 'SMTP connection error'));
  return server;
}
