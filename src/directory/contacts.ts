import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { requireAllowed } from '../identity/authorise.ts';
import { NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import type { Context } from './organisations.ts';
import './tables.ts';

/** Directory contacts (SPEC 5): people without a mailbox here, kept by an organisation's LAs and found in People Finder. */
const name = (label: string) => z.string({ message: `Enter the ${label}` }).trim().min(1, `Enter the ${label}`).max(64, 'must be 64 characters or fewer');
const opt = (max: number) => z.string().trim().max(max, `must be ${max} characters or fewer`).optional().transform((v) => (v ? v : null));

export const ContactInput = z.object({
  firstName: name('first name'),
  lastName: name('last name'),
  jobTitle: opt(100),
  workPhone: z.string().trim().max(20).regex(/^[0-9 +()-]*$/, 'must be a telephone number').optional().transform((v) => (v ? v : null)),
  mobile: z.string().trim().max(20).regex(/^[0-9 +()-]*$/, 'must be a telephone number').optional().transform((v) => (v ? v : null)),
  externalEmail: z.string().trim().max(254).optional().refine((v) => !v || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), 'must be an email address, like name@example.org').transform((v) => (v ? v.toLowerCase() : null)),
  note: opt(500),
});

export async function listContacts(db: Kysely<DB>, organisationId: string) {
  return db.selectFrom('directory_contacts').selectAll().where('organisation_id', '=', organisationId).orderBy('last_name').orderBy('first_name').execute();
}

export async function addContact(db: Kysely<DB>, organisationId: string, input: unknown, ctx: Context) {
  const parsed = ContactInput.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const v = parsed.data;
  return db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'contact.edit', { organisationId });
    const row = await trx.insertInto('directory_contacts').values({
      organisation_id: organisationId, first_name: v.firstName, last_name: v.lastName, job_title: v.jobTitle, work_phone: v.workPhone,
      mobile: v.mobile, external_email: v.externalEmail, note: v.note,
    }).returning(['id', 'first_name', 'last_name']).executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'contact.create', target: { type: 'contact', id: row.id }, organisationId,
      frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name: `${v.firstName} ${v.lastName}` },
    });
    return row;
  });
}

export async function removeContact(db: Kysely<DB>, contactId: string, ctx: Context) {
  await db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('directory_contacts').select(['id', 'organisation_id', 'first_name', 'last_name']).where('id', '=', contactId).executeTakeFirst();
    if (!c) throw new NotFoundError('That contact does not exist.');
    await requireAllowed(trx, ctx.actor, 'contact.edit', { organisationId: c.organisation_id });
    await trx.deleteFrom('directory_contacts').where('id', '=', contactId).execute();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'contact.delete', target: { type: 'contact', id: contactId }, organisationId: c.organisation_id,
      frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name: `${c.first_name} ${c.last_name}` },
    });
  });
}
