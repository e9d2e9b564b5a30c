import { promises as dnsPromises } from 'node:dns';
import nodemailer from 'nodemailer';
import type { DkimKey } from './dkim.ts';

/**
 * Remote delivery of one message to the recipients in one domain: through the
 * configured relay (smarthost) if there is one, otherwise to the domain's MX
 * hosts in preference order (or the domain itself when it has no MX, as RFC
 * 5321 says), DKIM-signed with the sender domain's key. It reports each
 * recipient as accepted, temporarily failed or permanently failed; the queue
 * decides what to do next.
 */
export type MxResolver = { resolveMx(domain: string): Promise<Array<{ exchange: string; priority: number }>> };

export type RemoteFailure = { recipient: string; status: string; diagnostic: string; remoteMta: string | null };
export type RemoteResult = { accepted: string[]; temporary: RemoteFailure[]; permanent: RemoteFailure[] };

export type RemoteMessage = { from: string; recipients: string[]; domain: string; raw: Buffer; dkim: DkimKey | null };

export interface RemoteDeliverer {
  deliver(m: RemoteMessage): Promise<RemoteResult>;
}

export type RemoteOptions = {
  /** smtp://host:port or smtps://…; when set every remote message goes there. */
  relayUrl?: string;
  resolver?: MxResolver;
  /** Port of the MX hosts: 25 on the internet; tests point it at a local server. */
  mxPort?: number;
  heloName: string;
  timeoutMs?: number;
};

type Hop = { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

async function hopsFor(domain: string, opts: RemoteOptions): Promise<Hop[] | RemoteFailure['status']> {
  if (opts.relayUrl) {
    const u = new URL(opts.relayUrl);
    const secure = u.protocol === 'smtps:';
    return [{
      host: u.hostname, port: Number(u.port || (secure ? 465 : 25)), secure,
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    }];
  }
  const resolver = opts.resolver ?? dnsPromises;
  const port = opts.mxPort ?? 25;
  try {
    const mx = await resolver.resolveMx(domain);
    // A "null MX" (RFC 7505): the domain accepts no mail at all.
    if (mx.length === 1 && (mx[0].exchange === '' || mx[0].exchange === '.')) return '5.1.10';
    if (mx.length) return [...mx].sort((a, b) => a.priority - b.priority).map((m) => ({ host: m.exchange, port, secure: false }));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOTFOUND') return '5.1.2';
    if (code !== 'ENODATA') return '4.4.3';
  }
  return [{ host: domain, port, secure: false }];
}

function statusOf(code: number | undefined, response: string | undefined): string {
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '');
  if (enhanced) return enhanced[1];
  if (code && code >= 500) return '5.0.0';
  return '4.0.0';
}

export function nodemailerDeliverer(opts: RemoteOptions): RemoteDeliverer {
  return {
    async deliver(m) {
      const hops = await hopsFor(m.domain, opts);
      if (typeof hops === 'string') {
        const why = hops === '5.1.10' ? 'The domain says it accepts no mail (null MX).' : hops === '5.1.2' ? `The domain ${m.domain} does not exist.` : `Could not look up the mail servers of ${m.domain}.`;
        const f = m.recipients.map((r) => ({ recipient: r, status: hops, diagnostic: why, remoteMta: null }));
        return hops.startsWith('5') ? { accepted: [], temporary: [], permanent: f } : { accepted: [], temporary: f, permanent: [] };
      }
      let lastError = 'No mail server could be reached.';
      let lastHost: string | null = null;
      for (const hop of hops) {
        const transport = nodemailer.createTransport({
          host: hop.host,
          port: hop.port,
          secure: hop.secure,
          auth: hop.auth,
          name: opts.heloName,
          // Opportunistic TLS: use STARTTLS when offered, accept any certificate (as MTAs do without DANE/MTA-STS).
          tls: { rejectUnauthorized: false },
          connectionTimeout: opts.timeoutMs ?? 30_000,
          greetingTimeout: opts.timeoutMs ?? 30_000,
          socketTimeout: (opts.timeoutMs ?? 30_000) * 2,
          ...(m.dkim ? { dkim: { domainName: m.dkim.domain, keySelector: m.dkim.selector, privateKey: m.dkim.privateKeyPem } } : {}),
        });
        try {
          const info = await transport.sendMail({ envelope: { from: m.from || '', to: m.recipients }, raw: m.raw });
          const accepted = (info.accepted as string[]).map((a) => String(a).toLowerCase());
          const rejected: RemoteFailure[] = ((info as { rejectedErrors?: Array<{ recipient?: string; responseCode?: number; response?: string }> }).rejectedErrors ?? []).map((e) => ({
            recipient: String(e.recipient ?? '').toLowerCase(), status: statusOf(e.responseCode, e.response), diagnostic: e.response ?? 'rejected', remoteMta: hop.host,
          }));
          return { accepted, temporary: rejected.filter((r) => r.status.startsWith('4')), permanent: rejected.filter((r) => r.status.startsWith('5')) };
        } catch (err) {
          const e = err as { responseCode?: number; response?: string; message?: string; rejectedErrors?: Array<{ recipient?: string; responseCode?: number; response?: string }> };
          if (e.rejectedErrors?.length) {
            const rejected = e.rejectedErrors.map((x) => ({ recipient: String(x.recipient ?? '').toLowerCase(), status: statusOf(x.responseCode, x.response), diagnostic: x.response ?? 'rejected', remoteMta: hop.host }));
            return { accepted: [], temporary: rejected.filter((r) => r.status.startsWith('4')), permanent: rejected.filter((r) => r.status.startsWith('5')) };
          }
          if (e.responseCode && e.responseCode >= 500) {
            const status = statusOf(e.responseCode, e.response);
            return { accepted: [], temporary: [], permanent: m.recipients.map((r) => ({ recipient: r, status, diagnostic: e.response ?? e.message ?? '', remoteMta: hop.host })) };
          }
          lastError = e.response ?? e.message ?? String(err);
          lastHost = hop.host;
        } finally {
          transport.close();
        }
      }
      return { accepted: [], temporary: m.recipients.map((r) => ({ recipient: r, status: '4.4.1', diagnostic: lastError, remoteMta: lastHost })), permanent: [] };
    },
  };
}
