import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { type Actor, authorise, NotAllowedError, requireAllowed } from '../identity/authorise.ts';
import type { Role } from '../identity/roles.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { Context } from './organisations.ts';
import type { ApiKeyLevel } from './tables.ts';

/**
 * API keys: one organisation's own systems calling the JSON API. A standard key
 * acts as a Local Administrator of its organisation, a primary key as a Local
 * Primary Administrator (so it reaches that organisation and the ones below it,
 * never a sibling or a parent). The token is 256 random bits, shown
 * once; only its SHA-256 is kept, which is enough for a secret that cannot be
 * guessed (no slow hash needed, and look-up stays one indexed read).
 */
const PREFIX = 'cmk_';

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const API_KEY_LEVELS = ['standard', 'primary'] as const satisfies readonly ApiKeyLevel[];

/** The role a key acts with at its organisation; authorise() decides the rest, as for a person holding it. */
const LEVEL_ROLE: Record<ApiKeyLevel, Role> = { standard: 'local_admin', primary: 'local_primary_admin' };

function parseLevel(level: string | undefined): ApiKeyLevel {
  const l = level ?? 'standard';
  if (!(API_KEY_LEVELS as readonly string[]).includes(l)) throw new ValidationError([{ field: 'level', message: 'Choose standard or primary' }]);
  return l as ApiKeyLevel;
}

/**
 * Makes a key (the token is returned once and never kept). Whoever may manage
 * the organisation's keys may make a standard key; a primary key can grant
 * administrator roles, so making one also needs that power at the
 * organisation (a Local Primary Administrator there or above, a Global Admin,
 * or a primary key above it). A key acts with exactly the role it needs to
 * have been made, so no one, key or person, can make a key stronger than itself.
 */
export async function createApiKey(
  db: Kysely<DB>,
  args: { organisationId: string; name: string; level?: string },
  ctx: Context,
): Promise<{ id: string; token: string; level: ApiKeyLevel; tokenHint: string }> {
  const name = args.name.trim();
  if (!name) throw new ValidationError([{ field: 'name', message: 'Enter a name for the key, saying which system will use it' }]);
  if (name.length > 100) throw new ValidationError([{ field: 'name', message: 'must be 100 characters or fewer' }]);
  const level = parseLevel(args.level);
  const token = PREFIX + randomBytes(32).toString('base64url');
  return db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'apikey.manage', { organisationId: args.organisationId });
    if (level === 'primary' && !(await authorise(trx, ctx.actor, 'role.grant_local', { organisationId: args.organisationId })).allowed) {
      throw new NotAllowedError(ctx.actor.kind === 'api_key'
        ? 'A standard key cannot make a primary key: a primary key can grant administrator roles, which this key cannot.'
        : 'Only a Local Primary Administrator of this organisation (or one above it) or a Global Admin can make a primary key, because it can grant administrator roles.');
    }
    // A key made by a key answers to the person who made the first one (they hear about its requests).
    const maker = ctx.actor.kind === 'api_key'
      ? (await trx.selectFrom('api_keys').select('created_by').where('id', '=', ctx.actor.keyId).executeTakeFirst())?.created_by ?? null
      : ctx.actor.kind === 'account' ? ctx.actor.accountId : null;
    const tokenHint = token.slice(-4);
    const { id } = await trx
      .insertInto('api_keys')
      .values({
        organisation_id: args.organisationId,
        name,
        level,
        token_hash: hashApiToken(token),
        token_hint: tokenHint,
        created_by: maker,
        created_by_key_id: ctx.actor.kind === 'api_key' ? ctx.actor.keyId : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor), action: 'apikey.create', target: { type: 'api_key', id },
      organisationId: args.organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { name, level },
    });
    return { id, token, level, tokenHint };
  });
}

/**
 * Revoking needs only the right to manage the organisation's keys, whatever the
 * key's level: it takes power away and never adds any, and a leaked key must be
 * stoppable by any administrator of its organisation (or by another of its keys).
 * Every key the revoked key made (and so on down) is revoked with it, or a
 * leaked key could have made itself a spare that outlives it.
 */
export async function revokeApiKey(db: Kysely<DB>, keyId: string, ctx: Context): Promise<{ revoked: string[] }> {
  return db.transaction().execute(async (trx) => {
    const key = await trx.selectFrom('api_keys').select(['id', 'organisation_id', 'name', 'revoked_at']).where('id', '=', keyId).executeTakeFirst();
    if (!key) throw new NotFoundError('That API key does not exist.');
    await requireAllowed(trx, ctx.actor, 'apikey.manage', { organisationId: key.organisation_id });
    const { rows } = await sql<{ id: string; name: string; organisation_id: string }>`
      with recursive made(id) as (
        select id from api_keys where id = ${keyId}::uuid
        union select k.id from api_keys k join made m on k.created_by_key_id = m.id
      )
      update api_keys set revoked_at = now() where id in (select id from made) and revoked_at is null
      returning id, name, organisation_id`.execute(trx);
    rows.sort((a, b) => Number(b.id === keyId) - Number(a.id === keyId));
    for (const r of rows) {
      await appendAudit(trx, {
        actor: actorForAudit(ctx.actor), action: 'apikey.revoke', target: { type: 'api_key', id: r.id },
        organisationId: r.organisation_id, frontDoor: ctx.frontDoor, ip: ctx.ip,
        detail: r.id === keyId ? { name: r.name } : { name: r.name, madeByRevokedKey: keyId },
      });
    }
    return { revoked: rows.map((r) => r.id) };
  });
}

/** An organisation's keys, newest first, for those who may manage them. */
export async function listApiKeys(db: Kysely<DB>, organisationId: string, actor: Actor) {
  await requireAllowed(db, actor, 'apikey.manage', { organisationId });
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'level', 'token_hint', 'created_at', 'last_used_at', 'revoked_at'])
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
    .select(['k.id', 'k.name', 'k.level', 'k.organisation_id', 'k.last_used_at', 'o.code'])
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
    grants: [{ role: LEVEL_ROLE[key.level], organisationId: key.organisation_id }],
  };
}
