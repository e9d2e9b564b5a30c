import { promises as dnsPromises } from 'node:dns';

/**
 * The DNS records a service domain needs for mail (SPF, DKIM with the public
 * key, DMARC, MX), and a check that resolves them and says, record by record,
 * whether what is published matches. The resolver is injectable for tests.
 */
export type RecordKind = 'MX' | 'SPF' | 'DKIM' | 'DMARC';
export type ExpectedRecord = { kind: RecordKind; type: 'MX' | 'TXT'; name: string; value: string; explanation: string };

export type DnsLookup = {
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolveTxt(name: string): Promise<string[][]>;
};

export function expectedRecords(o: { domain: string; mxHost: string; dkim: { selector: string; publicKeyBase64: string } | null; reportAddress?: string }): ExpectedRecord[] {
  const d = o.domain.toLowerCase();
  const records: ExpectedRecord[] = [
    { kind: 'MX', type: 'MX', name: d, value: `10 ${o.mxHost}`, explanation: 'Where other mail servers deliver mail for this domain.' },
    { kind: 'SPF', type: 'TXT', name: d, value: `v=spf1 mx -all`, explanation: 'Only this domain\'s mail servers may send as it; everything else fails SPF.' },
  ];
  if (o.dkim) {
    records.push({ kind: 'DKIM', type: 'TXT', name: `${o.dkim.selector}._domainkey.${d}`, value: `v=DKIM1; k=rsa; p=${o.dkim.publicKeyBase64}`, explanation: 'The public key that checks the signature Caremail puts on outgoing mail.' });
  }
  records.push({
    kind: 'DMARC', type: 'TXT', name: `_dmarc.${d}`, value: `v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:${o.reportAddress ?? `dmarc-reports@${d}`}`,
    explanation: 'Tells receivers to refuse mail that claims this domain but is not signed by it or sent from its servers.',
  });
  return records;
}

export type RecordCheck = ExpectedRecord & { status: 'ok' | 'different' | 'missing' | 'error'; found: string[]; advice: string };

const tags = (v: string) => new Map(v.split(';').map((t) => t.trim()).filter(Boolean).map((t) => { const i = t.indexOf('='); return [t.slice(0, i).trim().toLowerCase(), t.slice(i + 1).replace(/\s+/g, '')] as [string, string]; }));

function txtMatches(kind: RecordKind, expected: string, found: string): boolean {
  if (kind === 'SPF') return found.trim().toLowerCase().replace(/\s+/g, ' ') === expected.toLowerCase();
  const want = tags(expected);
  const got = tags(found);
  // DMARC: the policy and alignment are what matter; the report address may differ.
  const keys = kind === 'DMARC' ? ['v', 'p', 'adkim', 'aspf'] : ['v', 'k', 'p'];
  return keys.every((k) => (got.get(k) ?? (k === 'k' ? 'rsa' : undefined))?.toLowerCase() === want.get(k)?.toLowerCase());
}

export async function checkRecords(expected: ExpectedRecord[], lookup: DnsLookup = dnsPromises): Promise<RecordCheck[]> {
  const out: RecordCheck[] = [];
  for (const e of expected) {
    try {
      if (e.type === 'MX') {
        const mx = await lookup.resolveMx(e.name);
        const host = e.value.split(' ')[1].toLowerCase();
        const found = mx.map((m) => `${m.priority} ${m.exchange}`);
        const ok = mx.some((m) => m.exchange.toLowerCase().replace(/\.$/, '') === host);
        out.push({ ...e, found, status: ok ? 'ok' : found.length ? 'different' : 'missing', advice: ok ? 'Published.' : `Add an MX record pointing to ${host}.` });
        continue;
      }
      const txt = (await lookup.resolveTxt(e.name)).map((parts) => parts.join(''));
      const relevant = txt.filter((t) => (e.kind === 'SPF' ? /^v=spf1\b/i.test(t) : e.kind === 'DMARC' ? /^v=DMARC1\b/i.test(t) : /(^|;)\s*(v=DKIM1|p=)/i.test(t)));
      const ok = relevant.length === 1 && txtMatches(e.kind, e.value, relevant[0]);
      const advice = ok ? 'Published.' : relevant.length > 1 ? `There are ${relevant.length} ${e.kind} records; keep only the one shown.` : relevant.length ? 'The published value is different: replace it with the one shown.' : 'Not published: add the record shown.';
      out.push({ ...e, found: relevant, status: ok ? 'ok' : relevant.length ? 'different' : 'missing', advice });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') out.push({ ...e, found: [], status: 'missing', advice: 'Not published: add the record shown.' });
      else out.push({ ...e, found: [], status: 'error', advice: `The lookup failed (${code ?? 'error'}); try again later.` });
    }
  }
  return out;
}
