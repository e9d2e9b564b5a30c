import { BlockList, isIP } from 'node:net';
import type { Kysely } from 'kysely';
import { authenticate, type DNSResolver } from 'mailauth';
import type { DB } from '../../db/schema.ts';
import { domainOfAddress } from './domain-class.ts';
import { recordSpoofAttempt } from './spoofing.ts';

/**
 * SPF, DKIM, DMARC and ARC for every message from outside (the MX front door's
 * DATA), with mailauth. The results go in an Authentication-Results header
 * (any such header already in the message that names our host is dropped, so
 * a sender cannot forge a pass). Mail that claims one of the service's own
 * domains in From must be aligned (DKIM signed by, or SPF passing for, that
 * domain); otherwise it is refused with 550 ("anti-spoofing") and recorded for
 * the spoofing report.
 *
 * No sending address is trusted by default, loopback included. A relay in
 * CAREMAIL_TRUSTED_RELAYS (a gateway in front of the MX) is not judged itself:
 * the checks use the client it names in the Received header it added.
 */
export type InboundConnection = {
  ip: string;
  helo: string;
  clientHostname: string;
  mailFrom: string;
};

export type InboundVerdict =
  | { accept: true; authenticationResults: string; raw: Buffer; claimsServiceDomain: boolean; aligned: boolean }
  | { accept: false; responseCode: 550; message: string; authenticationResults: string };

export type InboundOptions = {
  serviceDomains: readonly string[];
  /** IP addresses or CIDR ranges (CAREMAIL_TRUSTED_RELAYS). */
  trustedRelays: readonly string[];
  /** The MX's own host name, written in the header. */
  hostname: string;
  /** DNS, injectable so tests run offline (mailauth's resolver signature: name, rrtype). */
  resolver?: DNSResolver;
};

export const ANTI_SPOOFING_MESSAGE =
  'anti-spoofing: this message claims to be from {domain}, a Caremail domain, but it was not sent by Caremail and is not signed by it (DMARC alignment failed). ' +
  'If you run a system that sends as {domain}, send through Caremail SMTP submission instead.';

export function trustedRelayList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(addr)) throw new Error(`CAREMAIL_TRUSTED_RELAYS: "${e}" is not an IP address or CIDR range.`);
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

export function isTrustedRelay(ip: string, relays: readonly string[]): boolean {
  if (!relays.length || !isIP(stripMapped(ip))) return false;
  const clean = stripMapped(ip);
  return trustedRelayList(relays).check(clean, isIP(clean) === 6 ? 'ipv6' : 'ipv4');
}

const stripMapped = (ip: string) => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** Is `domain` one of ours (or below one of ours)? */
export function isServiceDomain(domain: string, serviceDomains: readonly string[]): boolean {
  const d = domain.toLowerCase();
  return serviceDomains.some((s) => d === s.toLowerCase() || d.endsWith('.' + s.toLowerCase()));
}

/** Relaxed alignment without a public-suffix list: the same domain, or one below the other. */
function aligned(authDomain: string | undefined, fromDomain: string): boolean {
  if (!authDomain) return false;
  const a = authDomain.toLowerCase();
  return a === fromDomain || a.endsWith('.' + fromDomain) || fromDomain.endsWith('.' + a);
}

/** Drops Authentication-Results headers that claim to be ours, then puts ours on top. */
export function withAuthenticationResults(raw: Buffer, header: string, hostname: string): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const headEnd = end >= 0 ? end + 2 : raw.length;
  const head = raw.subarray(0, headEnd).toString('latin1');
  const fields = head.split(/\r\n(?![ \t])/);
  const host = hostname.toLowerCase();
  const kept = fields.filter((f) => {
    const m = /^authentication-results:\s*([^;\s]+)/i.exec(f);
    return !(m && m[1].toLowerCase() === host);
  });
  const ours = header.endsWith('\r\n') ? header : header + '\r\n';
  return Buffer.concat([Buffer.from(ours, 'latin1'), Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(headEnd)]);
}

export async function checkInboundAuthentication(db: Kysely<DB>, raw: Buffer, conn: InboundConnection, o: InboundOptions): Promise<InboundVerdict> {
  const relayed = isTrustedRelay(conn.ip, o.trustedRelays);
  const result = await authenticate(raw, {
    ...(relayed ? { trustReceived: true } : { ip: stripMapped(conn.ip), helo: conn.helo, sender: conn.mailFrom }),
    mta: o.hostname,
    resolver: o.resolver,
    disableBimi: true,
  });
  // mailauth's own header carries SPF's Received-SPF line first; we keep only Authentication-Results (and ARC seals, which we do not add).
  const arLine = result.headers.split(/\r\n(?=[^ \t])/).find((h) => /^authentication-results:/i.test(h)) ?? `Authentication-Results: ${o.hostname}; none`;
  const fromAddresses = result.dkim.headerFrom ?? [];
  const fromDomains = fromAddresses.map((a) => domainOfAddress(a) ?? a.slice(a.lastIndexOf('@') + 1).toLowerCase());
  const claims = fromDomains.filter((d) => isServiceDomain(d, o.serviceDomains));
  if (!claims.length) {
    return { accept: true, authenticationResults: arLine, raw: withAuthenticationResults(raw, arLine, o.hostname), claimsServiceDomain: false, aligned: false };
  }
  const fromDomain = claims[0];
  const dkimAligned = (result.dkim.results ?? []).some((r) => r.status.result === 'pass' && aligned(r.signingDomain, fromDomain));
  const spfAligned = result.spf && result.spf.status.result === 'pass' && aligned(result.spf.domain, fromDomain);
  // Several From addresses cannot all be aligned with one check: refuse rather than guess.
  const ok = (dkimAligned || spfAligned) && fromDomains.length === 1;
  if (ok) return { accept: true, authenticationResults: arLine, raw: withAuthenticationResults(raw, arLine, o.hostname), claimsServiceDomain: true, aligned: true };
  const summary = [
    `dkim=${(result.dkim.results ?? []).map((r) => `${r.status.result}(${r.signingDomain ?? '-'})`).join(',') || 'none'}`,
    `spf=${result.spf ? result.spf.status.result : 'none'}`,
    `dmarc=${result.dmarc ? result.dmarc.status.result : 'none'}`,
    `arc=${result.arc ? result.arc.status.result : 'none'}`,
  ].join(' ');
  const client = relayed ? (result.receivedChain?.find((r) => r.from?.value) ?? null) : null;
  await recordSpoofAttempt(db, {
    claimedFrom: fromAddresses.join(', ').slice(0, 500),
    mailFrom: conn.mailFrom,
    helo: conn.helo,
    clientHostname: conn.clientHostname,
    ip: relayed ? (/\[([^\]]+)\]/.exec(String(client?.from?.comment ?? ''))?.[1] ?? stripMapped(conn.ip)) : stripMapped(conn.ip),
    results: summary,
  });
  return { accept: false, responseCode: 550, message: ANTI_SPOOFING_MESSAGE.replaceAll('{domain}', fromDomain), authenticationResults: arLine };
}
