import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type AccreditedDomain, classifyRecipient, type RecipientClass } from '../secure/domain-class.ts';
import { loadClassifyContext } from '../secure/accredited-domains.ts';

/**
 * Who each address is, for the compose form and the "check you are emailing
 * the right person" step: its class (in the service, an accredited secure
 * domain, or outside and not secure) and, when the directory knows it, the
 * person's name, organisation and job title.
 */
export type DescribedRecipient = {
  address: string;
  recipientClass: RecipientClass;
  name: string | null;
  organisation: string | null;
  jobTitle: string | null;
};

/** The accredited secure domains, from secure messaging's list (the same one submission classifies with). */
export async function accreditedDomains(db: Kysely<DB>): Promise<AccreditedDomain[]> {
  return (await loadClassifyContext(db, [])).accreditedDomains.slice();
}

export async function describeRecipients(db: Kysely<DB>, addresses: string[], serviceDomains: string[], now = new Date()): Promise<DescribedRecipient[]> {
  if (!addresses.length) return [];
  const accredited = await accreditedDomains(db);
  const lower = addresses.map((a) => a.toLowerCase());
  const people = await db
    .selectFrom('mail_addresses as m')
    .innerJoin('accounts as a', 'a.id', 'm.account_id')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select(['m.address', 'a.display_name', 'a.job_title', 'o.name as organisation'])
    .where('m.address', 'in', lower)
    .where('m.kind', '!=', 'retired')
    .execute();
  const byAddress = new Map(people.map((p) => [p.address.toLowerCase(), p]));
  return lower.map((address) => {
    const p = byAddress.get(address);
    return {
      address,
      recipientClass: classifyRecipient(address, { serviceDomains, accreditedDomains: accredited, now }),
      name: p?.display_name ?? null,
      organisation: p?.organisation ?? null,
      jobTitle: p?.job_title ?? null,
    };
  });
}

export const CLASS_LABELS: Record<RecipientClass, string> = {
  service: 'In Caremail',
  accredited: 'Accredited secure',
  'non-secure': 'Outside Caremail – not secure',
};
