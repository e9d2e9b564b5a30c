import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit, type FrontDoor } from '../../audit/trail.ts';
import { type Actor, requireAllowed } from '../../identity/authorise.ts';
import { ImportRejectedError, ValidationError } from '../../shared/errors.ts';
import { type ClassifyContext, type RecipientClass, classifyRecipient, normaliseDomain, parseAccreditedDomainsCsv, parseAccreditedUntil } from './domain-class.ts';
import './tables.ts';

/**
 * The accredited-domain list in the database, and the loader that feeds the one
 * classification function (`classifyRecipient`) for every path that sends:
 * submission, webmail, forwarding and lists all call `recipientClassifier`.
 */
export type AccreditedDomainRecord = { domain: string; organisation: string; accreditedUntil: Date | null; updatedBy: string; updatedAt: Date };

export type Via = { actor: Actor; frontDoor: FrontDoor; ip?: string | null };

const actorId = (a: Actor) => (a.kind === 'account' ? a.accountId : null);

export async function listAccreditedDomains(db: Kysely<DB>): Promise<AccreditedDomainRecord[]> {
  const rows = await db.selectFrom('secure_accredited_domains').selectAll().orderBy('domain').execute();
  return rows.map((r) => ({ domain: r.domain, organisation: r.organisation, accreditedUntil: r.accredited_until, updatedBy: r.updated_by, updatedAt: r.updated_at }));
}

/** Everything classification needs, read once per message (the list is small: hundreds of domains). */
export async function loadClassifyContext(db: Kysely<DB>, serviceDomains: readonly string[], now = new Date()): Promise<ClassifyContext> {
  const rows = await db.selectFrom('secure_accredited_domains').select(['domain', 'accredited_until']).execute();
  return { serviceDomains, accreditedDomains: rows.map((r) => ({ domain: r.domain, accreditedUntil: r.accredited_until })), now };
}

/** One classifier for a batch of recipients. */
export async function recipientClassifier(db: Kysely<DB>, serviceDomains: readonly string[], now = new Date()): Promise<(address: string) => RecipientClass> {
  const ctx = await loadClassifyContext(db, serviceDomains, now);
  return (address) => classifyRecipient(address, ctx);
}

export async function addAccreditedDomain(db: Kysely<DB>, input: { domain: string; organisation: string; accreditedUntil: string }, via: Via): Promise<AccreditedDomainRecord> {
  await requireAllowed(db, via.actor, 'secure.manage', null);
  const problems: Array<{ field: string; message: string }> = [];
  const domain = normaliseDomain(input.domain.trim());
  if (!domain || !domain.includes('.')) problems.push({ field: 'domain', message: 'Enter a domain name like trust.nhs.uk (no @, no wildcard)' });
  const organisation = input.organisation.replace(/\s+/g, ' ').trim();
  if (!organisation) problems.push({ field: 'organisation', message: 'Enter the organisation that runs this domain' });
  const until = parseAccreditedUntil(input.accreditedUntil);
  if (!until.ok) problems.push({ field: 'accreditedUntil', message: 'Enter the date as YYYY-MM-DD, or leave it empty for no end date' });
  if (problems.length || !domain || !until.ok) throw new ValidationError(problems);
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('secure_accredited_domains')
      .values({ domain, organisation, accredited_until: until.value, updated_by: via.actor.label })
      .onConflict((oc) => oc.column('domain').doUpdateSet({ organisation, accredited_until: until.value, updated_by: via.actor.label, updated_at: new Date() }))
      .execute();
    await appendAudit(trx, {
      actor: { id: actorId(via.actor), label: via.actor.label }, action: 'secure.accredited_domain.set', target: { type: 'domain', id: domain },
      frontDoor: via.frontDoor, ip: via.ip ?? null, detail: { organisation, accreditedUntil: until.value?.toISOString() ?? null },
    });
    return { domain, organisation, accreditedUntil: until.value, updatedBy: via.actor.label, updatedAt: new Date() };
  });
}

export async function removeAccreditedDomain(db: Kysely<DB>, domain: string, via: Via): Promise<boolean> {
  await requireAllowed(db, via.actor, 'secure.manage', null);
  return db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('secure_accredited_domains').where('domain', '=', domain.toLowerCase()).executeTakeFirst();
    if (!Number(r.numDeletedRows)) return false;
    await appendAudit(trx, { actor: { id: actorId(via.actor), label: via.actor.label }, action: 'secure.accredited_domain.remove', target: { type: 'domain', id: domain.toLowerCase() }, frontDoor: via.frontDoor, ip: via.ip ?? null });
    return true;
  });
}

/**
 * CSV import (domain, organisation, accredited_until): every bad row is reported
 * by line and nothing changes; otherwise every row is added or updated in one
 * transaction. Domains not in the file stay as they are.
 */
export async function importAccreditedDomainsCsv(db: Kysely<DB>, csv: string, via: Via): Promise<{ added: number; updated: number }> {
  await requireAllowed(db, via.actor, 'secure.manage', null);
  const parsed = parseAccreditedDomainsCsv(csv);
  if (parsed.errors.length) {
    throw new ImportRejectedError(parsed.errors.map((e) => ({ line: e.line, field: e.code === 'bad-domain' ? 'domain' : e.code === 'bad-date' ? 'accredited_until' : e.code === 'missing-organisation' ? 'organisation' : undefined, message: e.reason })));
  }
  if (!parsed.rows.length) throw new ImportRejectedError([{ line: 1, message: 'The file has no domains after the header line.' }]);
  return db.transaction().execute(async (trx) => {
    const existing = new Set((await trx.selectFrom('secure_accredited_domains').select('domain').where('domain', 'in', parsed.rows.map((r) => r.domain)).execute()).map((r) => r.domain));
    for (const r of parsed.rows) {
      await trx
        .insertInto('secure_accredited_domains')
        .values({ domain: r.domain, organisation: r.organisation, accredited_until: r.accreditedUntil, updated_by: via.actor.label })
        .onConflict((oc) => oc.column('domain').doUpdateSet({ organisation: r.organisation, accredited_until: r.accreditedUntil, updated_by: via.actor.label, updated_at: new Date() }))
        .execute();
    }
    const added = parsed.rows.filter((r) => !existing.has(r.domain)).length;
    await appendAudit(trx, {
      actor: { id: actorId(via.actor), label: via.actor.label }, action: 'secure.accredited_domain.import', frontDoor: via.frontDoor, ip: via.ip ?? null,
      detail: { added, updated: parsed.rows.length - added, domains: parsed.rows.map((r) => r.domain).slice(0, 500) },
    });
    return { added, updated: parsed.rows.length - added };
  });
}
