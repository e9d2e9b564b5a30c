import { z } from 'zod';
import { ContactInput, addContact, listContacts, removeContact } from '../../directory/contacts.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { getProfile, ProfileInput, updateProfile } from '../../directory/profiles.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { type ApiCall, apiRoute } from '../registry.ts';

const Id = z.object({ id: z.uuid('must be an id') });
const Code = z.object({ code: z.string().trim().min(1).max(20) });

async function org(call: ApiCall<{ code: string }, unknown, unknown>) {
  const o = await findOrganisationByCode(call.db, call.params.code);
  if (!o) throw new NotFoundError(`There is no organisation with code ${call.params.code.toUpperCase()}.`);
  return o;
}

export const profileRoutes = [
  apiRoute({
    method: 'GET', path: '/accounts/:id/profile', tag: 'Profiles', summary: 'A directory profile, with the fields your system feeds (locked against hand edits)', params: Id,
    handler: async ({ db, actor, params }) => {
      const p = await getProfile(db, params.id);
      await requireAllowed(db, actor, 'account.read', { organisationId: p.organisationId });
      return { json: { id: p.id, email: p.email, ...p.values, syncedFields: p.synced } };
    },
  }),
  apiRoute({
    method: 'PUT', path: '/accounts/:id/profile', tag: 'Profiles',
    summary: 'Change profile fields (only those sent). With ?sync=1 your system feeds them: they are then locked against hand edits in the Portal',
    params: Id, query: z.object({ sync: z.enum(['1', '0', 'true', 'false']).optional() }), body: ProfileInput,
    handler: async (call) => ({
      json: await updateProfile(call.db, call.params.id, call.input, { actor: call.actor, frontDoor: 'api', ip: call.ip, sync: call.query.sync === '1' || call.query.sync === 'true' }),
    }),
  }),
  apiRoute({
    method: 'GET', path: '/organisations/:code/contacts', tag: 'Directory contacts', summary: "An organisation's directory contacts (people without a mailbox)", params: Code,
    handler: async (call) => {
      const o = await org(call);
      await requireAllowed(call.db, call.actor, 'contact.edit', { organisationId: o.id });
      return { json: { contacts: await listContacts(call.db, o.id) } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/organisations/:code/contacts', tag: 'Directory contacts', summary: 'Add a directory contact', params: Code, body: ContactInput,
    handler: async (call) => ({ status: 201, json: await addContact(call.db, (await org(call)).id, call.input, { actor: call.actor, frontDoor: 'api', ip: call.ip }) }),
  }),
  apiRoute({
    method: 'DELETE', path: '/contacts/:id', tag: 'Directory contacts', summary: 'Remove a directory contact', params: Id,
    handler: async (call) => {
      await removeContact(call.db, call.params.id, { actor: call.actor, frontDoor: 'api', ip: call.ip });
      return { json: { removed: call.params.id } };
    },
  }),
];
