import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { type Actor, NotAllowedError, requireAllowed } from '../identity/authorise.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { Context } from './organisations.ts';
import './tables.ts';

/**
 * API keys: one organisation's own systems calling the JSON API. A key acts as
 * a Local Administrator of its organisation (so it reaches that organisation
 * and the ones below it, never a sibling). The token is 256 random bits, shown
 * once; only its SHA-256 is kept, which is enough for a secret that cannot be
 * guessed (no slow hash needed, and look-up stays one indexed read).
 */
const PREFIX = 'cmk_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createApiKey(db: Kysely<DB>, args: { organisationId: string; name: string }, ctx: Context): Promise<{ id: string; token: string }> {
  const name = args.name.trim();
  if (!name) throw new ValidationError([{ field: 'name', message: 'Enter a name for the key, saying which system will use it' }]);
  if (name.length > 100) throw new ValidationError([{ field: 'name', message: 'must be 100 characters or fewer' }]);
  if (ctx.actor.kind === 'api_key') throw new NotAllowedError('API keys are made by a Local Administrator in the Portal, not by another key.');
  const token = PREFIX + randomBytes(32).toString('base64url');
  return db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'apikey.manage', { organisationId: args.organisationId });
    const { id } = await trx
      .insertInto('api_keys')
      .values({
        organisation_id: args.organisationId,
        name,
        token_hash: hashApiToken(token),
        token_hint: token.slice(-4),
        created_by: ctx.actor.kind === 'account' ? ctx.actor.accountId : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'apikey.create', target: { type: 'api_key', id },
      organisationId: args.organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name },
    });
    return { id, token };
  });
}

export async function revokeApiKey(db: Kysely<DB>, keyId: string, ctx: Context): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = await trx.selectFrom('api_keys').select(['id', 'organisation_id', 'name', 'revoked_at']).where('id', '=', keyId).executeTakeFirst();
    if (!key) throw new NotFoundError('That API key does not exist.');
    await requireAllowed(trx, ctx.actor, 'apikey.manage', { organisationId: key.organisation_id });
    if (key.revoked_at) return;
    await trx.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', keyId).execute();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'apikey.revoke', target: { type: 'api_key', id: keyId },
      organisationId: key.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name: key.name },
    });
  });
}

export async function listApiKeys(db: Kysely<DB>, organisationId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'token_hint', 'created_at', 'last_used_at', 'revoked_at'])
    .where('organisation_id', '=', organisationId)
    .orderBy('created_at', 'desc')
    .execute();
}

/** The actor a presented token stands for, or null for an unknown or revoked key. */
export async function actorForApiToken(db: Kysely<DB>, token: string): Promise<Actor | null> {
  if (!token.startsWith(PREFIX) || token.length > 100) return null;
  const key = await db
    .selectFrom('api_keys as k')
    .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
    .select(['k.id', 'k.name', 'k.organisation_id', 'k.last_used_at', 'o.code'])
    .where('k.token_hash', '=', hashApiToken(token))
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!key) return null;
  // Last use to the minute is enough to tell a live key from a forgotten one, without a write per request.
  if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', key.id).execute();
  }
  return {
    kind: 'api_key',
    keyId: key.id,
    organisationId: key.organisation_id,
    label: `API key "${key.name}" (${key.code})`,
    grants: [{ role: 'local_admin', organisationId: key.organisation_id }],
  };
}
