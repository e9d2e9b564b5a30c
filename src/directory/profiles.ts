import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { NotAllowedError, requireAllowed } from '../identity/authorise.ts';
import { NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import type { Context } from './organisations.ts';
import { directoryDb } from './tables.ts';

/**
 * Directory profiles (SPEC 5): a person edits their own, an LA or helpdesk those
 * in reach. Fields an organisation's own system feeds (through the API with
 * sync, or bulk CSV) are listed on the account and locked against hand edits,
 * so the next feed does not silently undo them.
 */
const text = (max: number) => z.string().trim().max(max, `must be ${max} characters or fewer`).transform((v) => (v ? v : null));
const phone = z.string().trim().max(20, 'must be 20 characters or fewer').regex(/^[0-9 +()-]*$/, 'must be a telephone number (digits, spaces, +, brackets)').transform((v) => (v ? v : null));

export const ProfileInput = z.object({
  jobTitle: text(100),
  jobRole: text(100),
  specialty: text(100),
  department: text(100),
  location: text(100),
  workPhone: phone,
  mobile: z.string().trim().transform((v) => v.replace(/[\s()-]/g, '')).refine((v) => v === '' || /^(\+44|0)7\d{9}$/.test(v), 'must be a UK mobile number, like 07700 900123').transform((v) => (v ? v : null)),
  mobileHidden: z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'on'])]).transform((v) => v === true || v === '1' || v === 'true' || v === 'on'),
  pager: phone,
  fax: phone,
  webPage: z.string().trim().max(200).refine((v) => v === '' || /^https:\/\/[^\s]+$/.test(v), 'must be a web address starting https://').transform((v) => (v ? v : null)),
  description: text(500),
}).partial();
export type ProfileValues = z.output<typeof ProfileInput>;

export const PROFILE_FIELDS = {
  jobTitle: 'job_title', jobRole: 'job_role', specialty: 'specialty', department: 'department', location: 'location', workPhone: 'work_phone',
  mobile: 'mobile', mobileHidden: 'mobile_hidden', pager: 'pager', fax: 'fax', webPage: 'web_page', description: 'description',
} as const;
export type ProfileField = keyof typeof PROFILE_FIELDS;

export const FIELD_LABELS: Record<ProfileField, string> = {
  jobTitle: 'Job title', jobRole: 'Job role', specialty: 'Specialty', department: 'Department', location: 'Location', workPhone: 'Work phone',
  mobile: 'Mobile', mobileHidden: 'Hide my mobile', pager: 'Pager', fax: 'Fax', webPage: 'Web page', description: 'Description',
};

export async function getProfile(db: Kysely<DB>, accountId: string) {
  const row = await directoryDb(db)
    .selectFrom('accounts')
    .select(['id', 'email', 'display_name', 'organisation_id', 'synced_fields', ...Object.values(PROFILE_FIELDS)])
    .where('id', '=', accountId)
    .where('status', '<>', 'deleted_permanent')
    .executeTakeFirst();
  if (!row) throw new NotFoundError('That account does not exist.');
  const values = Object.fromEntries(Object.entries(PROFILE_FIELDS).map(([f, col]) => [f, (row as Record<string, unknown>)[col]])) as Record<ProfileField, unknown>;
  return { id: row.id, email: row.email, displayName: row.display_name, organisationId: row.organisation_id, synced: row.synced_fields as ProfileField[], values };
}

/**
 * Changes the fields given (others stay). `sync` is the organisation's own
 * system speaking: it may change locked fields and locks what it sets.
 */
export async function updateProfile(db: Kysely<DB>, accountId: string, input: unknown, ctx: Context & { sync?: boolean }) {
  const parsed = ProfileInput.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const v = parsed.data;
  if (ctx.sync && ctx.actor.kind !== 'api_key' && ctx.actor.kind !== 'operator') throw new NotAllowedError("Only an organisation's own system (by API key) can feed profile fields.");
  return db.transaction().execute(async (trx) => {
    const current = await getProfile(trx, accountId);
    const self = ctx.actor.kind === 'account' && ctx.actor.accountId === accountId;
    if (!self) await requireAllowed(trx, ctx.actor, 'account.edit', { organisationId: current.organisationId });
    const changed = (Object.keys(v) as ProfileField[]).filter((f) => v[f] !== undefined && v[f] !== current.values[f]);
    if (!ctx.sync) {
      const locked = changed.filter((f) => current.synced.includes(f));
      if (locked.length) {
        throw new ValidationError(locked.map((f) => ({ field: f, message: `${FIELD_LABELS[f]} comes from your organisation's own system and cannot be changed here. Ask your organisation to change it there.` })));
      }
    }
    if (!changed.length) return { changed: [] as ProfileField[] };
    const set: Record<string, unknown> = { updated_at: new Date() };
    for (const f of changed) set[PROFILE_FIELDS[f]] = v[f];
    if (ctx.sync) set.synced_fields = [...new Set([...current.synced, ...changed])];
    await directoryDb(trx).updateTable('accounts').set(set).where('id', '=', accountId).execute();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'account.profile', target: { type: 'account', id: accountId }, organisationId: current.organisationId,
      frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { email: current.email, fields: changed, sync: ctx.sync || undefined },
    });
    return { changed };
  });
}
