import { BlockList, isIP } from 'node:net';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { Via } from './accredited-domains.ts';
import './tables.ts';

/**
 * The spoofing report (SPEC 7, the seed's "top ten spoofing organisations"):
 * every message refused by anti-spoofing is recorded with where it came from;
 * the organisation is found from a table of known networks and host names per
 * organisation, or else from the accredited domains (a sending host inside an
 * accredited domain belongs to that domain's organisation).
 */
export type SpoofAttempt = { claimedFrom: string; mailFrom: string; helo: string; clientHostname: string; ip: string; results: string; at?: Date };

function inNetwork(ip: string, network: string): boolean {
  const [addr, bits] = network.split('/');
  const family = isIP(addr);
  if (!family || isIP(ip) !== family) return false;
  const list = new BlockList();
  const f = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(addr, f);
  else list.addSubnet(addr, Number(bits), f);
  return list.check(ip, f);
}

const hostWithin = (host: string, suffix: string) => {
  const h = host.toLowerCase().replace(/\.$/, '');
  const s = suffix.toLowerCase().replace(/^\./, '');
  return h === s || h.endsWith('.' + s);
};

/** The organisation a sending IP or host belongs to, when we know. */
export async function organisationOfSender(db: Kysely<DB>, ip: string, hosts: string[]): Promise<string | null> {
  const known = await db.selectFrom('secure_known_senders').select(['organisation', 'network', 'host_suffix']).execute();
  for (const k of known) if (k.network && inNetwork(ip, k.network)) return k.organisation;
  const names = hosts.filter((h) => h && h !== 'unknown' && !isIP(h.replace(/^\[|\]$/g, '')));
  for (const k of known) if (k.host_suffix && names.some((h) => hostWithin(h, k.host_suffix!))) return k.organisation;
  const accredited = await db.selectFrom('secure_accredited_domains').select(['domain', 'organisation']).execute();
  for (const a of accredited) if (names.some((h) => hostWithin(h, a.domain))) return a.organisation;
  return null;
}

export async function recordSpoofAttempt(db: Kysely<DB>, a: SpoofAttempt): Promise<void> {
  const organisation = await organisationOfSender(db, a.ip, [a.clientHostname, a.helo]);
  const cut = (s: string) => String(s ?? '').slice(0, 500);
  await db
    .insertInto('secure_spoof_attempts')
    .values({ claimed_from: cut(a.claimedFrom), mail_from: cut(a.mailFrom), helo: cut(a.helo), client_hostname: cut(a.clientHostname), ip: cut(a.ip), organisation, results: cut(a.results), ...(a.at ? { at: a.at } : {}) })
    .execute();
}

export type SpoofSource = { rank: number; organisation: string | null; host: string; ip: string; total: number; lastClaimed: string; lastSeen: Date; weekly: number[] };
export type SpoofReport = { weeks: Date[]; sources: SpoofSource[] };

/** Monday 00:00 UTC of the week containing `d`. */
export function weekStart(d: Date): Date {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = (t.getUTCDay() + 6) % 7;
  return new Date(t.getTime() - day * 86_400_000);
}

/** The top sources over the last `weeks` weeks (this one included), with a count per week, oldest week first. */
export async function spoofingReport(db: Kysely<DB>, opts: { weeks?: number; top?: number; now?: Date } = {}): Promise<SpoofReport> {
  const n = opts.weeks ?? 8;
  const thisWeek = weekStart(opts.now ?? new Date());
  const weeks = Array.from({ length: n }, (_, i) => new Date(thisWeek.getTime() - (n - 1 - i) * 7 * 86_400_000));
  const since = weeks[0];
  const rows = await sql<{ organisation: string | null; host: string; ip: string; at: Date; claimed_from: string }>`
    select organisation, client_hostname as host, ip, at, claimed_from from secure_spoof_attempts where at >= ${since} order by at`.execute(db);
  const by = new Map<string, SpoofSource>();
  for (const r of rows.rows) {
    const key = `${r.organisation ?? ''}\u0000${r.host}\u0000${r.ip}`;
    let s = by.get(key);
    if (!s) by.set(key, (s = { rank: 0, organisation: r.organisation, host: r.host, ip: r.ip, total: 0, lastClaimed: '', lastSeen: r.at, weekly: weeks.map(() => 0) }));
    const w = Math.floor((weekStart(r.at).getTime() - since.getTime()) / (7 * 86_400_000));
    if (w >= 0 && w < n) s.weekly[w]++;
    s.total++;
    s.lastClaimed = r.claimed_from;
    s.lastSeen = r.at;
  }
  const sources = [...by.values()]
    .sort((a, b) => b.total - a.total || b.lastSeen.getTime() - a.lastSeen.getTime())
    .slice(0, opts.top ?? 10)
    .map((s, i) => ({ ...s, rank: i + 1 }));
  return { weeks, sources };
}

const csvField = (v: string) => {
  // A leading =, +, - or @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function spoofingReportCsv(r: SpoofReport): string {
  const head = ['rank', 'organisation', 'sending_host', 'ip', 'total', ...r.weeks.map((w) => `week_of_${w.toISOString().slice(0, 10)}`), 'last_claimed_from', 'last_seen'];
  const lines = r.sources.map((s) => [String(s.rank), s.organisation ?? '', s.host, s.ip, String(s.total), ...s.weekly.map(String), s.lastClaimed, s.lastSeen.toISOString()].map(csvField).join(','));
  return [head.join(','), ...lines].join('\r\n') + '\r\n';
}

export type KnownSender = { id: string; organisation: string; network: string | null; hostSuffix: string | null };

export async function listKnownSenders(db: Kysely<DB>): Promise<KnownSender[]> {
  const rows = await db.selectFrom('secure_known_senders').selectAll().orderBy('organisation').execute();
  return rows.map((r) => ({ id: r.id, organisation: r.organisation, network: r.network, hostSuffix: r.host_suffix }));
}

/** A network (IP or CIDR) or a host name suffix that identifies an organisation's mail servers. */
export async function addKnownSender(db: Kysely<DB>, input: { organisation: string; match: string }, via: Via): Promise<void> {
  await requireAllowed(db, via.actor, 'secure.manage', null);
  const organisation = input.organisation.replace(/\s+/g, ' ').trim();
  const match = input.match.trim().toLowerCase();
  const [addr, bits] = match.split('/');
  const isNetwork = isIP(addr) !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr) === 6 ? 128 : 32)));
  const isHost = !isNetwork && /^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(match);
  const problems = [];
  if (!organisation) problems.push({ field: 'organisation', message: 'Enter the organisation' });
  if (!isNetwork && !isHost) problems.push({ field: 'match', message: 'Enter an IP address, a range like 192.0.2.0/24, or a host name like mail.trust.example' });
  if (problems.length) throw new ValidationError(problems);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('secure_known_senders').values({ organisation, network: isNetwork ? match : null, host_suffix: isHost ? match.replace(/^\./, '') : null }).execute();
    await appendAudit(trx, { actor: { id: via.actor.kind === 'account' ? via.actor.accountId : null, label: via.actor.label }, action: 'secure.known_sender.add', frontDoor: via.frontDoor, ip: via.ip ?? null, detail: { organisation, match } });
  });
}
