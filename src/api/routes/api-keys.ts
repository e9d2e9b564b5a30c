import { z } from 'zod';
import { API_KEY_LEVELS, createApiKey, listApiKeys, revokeApiKey } from '../../directory/api-keys.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { apiRoute } from '../registry.ts';

const Code = z.object({ code: z.string().trim().min(1).max(20) });
const TAG = 'API keys';

async function organisation(db: Parameters<typeof findOrganisationByCode>[0], code: string) {
  const org = await findOrganisationByCode(db, code);
  if (!org) throw new NotFoundError(`There is no organisation with code ${code.toUpperCase()}.`);
  return org;
}

/** Keys for an organisation's systems: a key manages keys where it reaches, never making one stronger than itself. */
export const apiKeyRoutes = [
  apiRoute({
    method: 'GET', path: '/organisations/:code/api-keys', tag: TAG, summary: "An organisation's API keys (never their secrets), newest first", params: Code,
    handler: async ({ db, actor, params }) => {
      const org = await organisation(db, params.code);
      const keys = await listApiKeys(db, org.id, actor);
      return {
        json: {
          keys: keys.map((k) => ({ id: k.id, name: k.name, level: k.level, endsIn: k.token_hint, createdAt: k.created_at, lastUsedAt: k.last_used_at, revokedAt: k.revoked_at })),
        },
      };
    },
  }),
  apiRoute({
    method: 'POST', path: '/organisations/:code/api-keys', tag: TAG,
    summary: 'Make a key; its secret is in this answer only. A primary key (which can grant LA and helpdesk roles) needs a primary key or a Local Primary Administrator',
    params: Code,
    body: z.object({
      name: z.string().trim().min(1, 'Enter a name for the key, saying which system will use it').max(100),
      level: z.enum(API_KEY_LEVELS).default('standard'),
    }),
    handler: async ({ db, actor, ip, params, body }) => {
      const org = await organisation(db, params.code);
      const key = await createApiKey(db, { organisationId: org.id, name: body.name, level: body.level }, { actor, frontDoor: 'api', ip });
      return { status: 201, json: { id: key.id, name: body.name, level: key.level, organisationCode: org.code, token: key.token, endsIn: key.tokenHint } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/api-keys/:id/revoke', tag: TAG, summary: 'Revoke a key at once, with every key it made',
    params: z.object({ id: z.uuid() }),
    handler: async ({ db, actor, ip, params }) => {
      const { revoked } = await revokeApiKey(db, params.id, { actor, frontDoor: 'api', ip });
      return { json: { revoked } };
    },
  }),
];
