import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit, type FrontDoor } from '../audit/trail.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';

/**
 * App passwords: one per mail client or device, named by the person, shown
 * once, revocable. They are 20 random letters (about 110 bits), so a SHA-256
 * of each is enough at rest and lets the IMAP and SMTP doors find a match in
 * one indexed look-up rather than one Argon2 hash per device.
 */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz';
const LENGTH = 20;
const MAX_PER_ACCOUNT = 20;

export const hashAppPassword = (secret: string) => createHash('sha256').update(secret.replace(/[\s-]/g, '').toLowerCase()).digest('hex');

/** Shown in groups of 4 to make it easier to copy by hand; spaces and hyphens are ignored when it is used. */
function newSecret(): string {
  let s = '';
  for (let i = 0; i < LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s.match(/.{4}/g)!.join('-');
}

export type AppPasswordSummary = { id: string; name: string; createdAt: Date; lastUsedAt: Date | null; lastUsedIp: string | null; lastUsedDoor: string | null };

type Ctx = { frontDoor: FrontDoor; ip?: string | null };

export async function createAppPassword(db: Kysely<DB>, accountId: string, name: string, ctx: Ctx): Promise<{ id: string; name: string; secret: string }> {
  const clean = name.trim();
  if (!clean) throw new ValidationError([{ field: 'name', message: 'Enter a name for the device or mail program, for example "Work phone"' }]);
  if (clean.length > 60) throw new ValidationError([{ field: 'name', message: 'Name must be 60 characters or fewer' }]);
  const secret = newSecret();
  return db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', accountId).forUpdate().executeTakeFirstOrThrow();
    const existing = await trx.selectFrom('app_passwords').select(['name']).where('account_id', '=', accountId).execute();
    if (existing.length >= MAX_PER_ACCOUNT) {
      throw new ValidationError([{ field: 'name', message: `You have ${MAX_PER_ACCOUNT} app passwords already. Revoke one you no longer use first.` }]);
    }
    if (existing.some((e) => e.name.toLowerCase() === clean.toLowerCase())) {
      throw new ValidationError([{ field: 'name', message: 'You already have an app password with that name. Choose another name.' }]);
    }
    const { id } = await trx.insertInto('app_passwords').values({ account_id: accountId, name: clean, secret_hash: hashAppPassword(secret) }).returning('id').executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: { id: accountId, label: account.email },
      action: 'app_password.create',
      target: { type: 'account', id: accountId },
      organisationId: account.organisation_id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { name: clean, appPasswordId: id },
    });
    return { id, name: clean, secret };
  });
}

export async function listAppPasswords(db: Kysely<DB>, accountId: string): Promise<AppPasswordSummary[]> {
  const rows = await db.selectFrom('app_passwords').selectAll().where('account_id', '=', accountId).orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, lastUsedIp: r.last_used_ip, lastUsedDoor: r.last_used_door }));
}

export async function revokeAppPassword(db: Kysely<DB>, accountId: string, appPasswordId: string, ctx: Ctx): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom('app_passwords')
      .where('id', '=', appPasswordId)
      .where('account_id', '=', accountId)
      .returning(['name'])
      .executeTakeFirst();
    if (!row) throw new NotFoundError('That app password does not exist, or was already revoked.');
    const account = await trx.selectFrom('accounts').select(['email', 'organisation_id']).where('id', '=', accountId).executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: { id: accountId, label: account.email },
      action: 'app_password.revoke',
      target: { type: 'account', id: accountId },
      organisationId: account.organisation_id,
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { name: row.name, appPasswordId },
    });
  });
}

/** The account's app password that matches, if any. */
export async function matchAppPassword(db: Kysely<DB>, accountId: string, given: string): Promise<{ id: string; name: string } | null> {
  if (given.length > 100) return null;
  const row = await db
    .selectFrom('app_passwords')
    .select(['id', 'name'])
    .where('account_id', '=', accountId)
    .where('secret_hash', '=', hashAppPassword(given))
    .executeTakeFirst();
  return row ?? null;
}

export async function noteAppPasswordUse(db: Kysely<DB>, id: string, door: FrontDoor, ip: string | null | undefined, now = new Date()): Promise<void> {
  await db.updateTable('app_passwords').set({ last_used_at: now, last_used_ip: ip ?? null, last_used_door: door }).where('id', '=', id).execute();
}
