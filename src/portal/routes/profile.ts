import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addContact, listContacts, removeContact } from '../../directory/contacts.ts';
import { FIELD_LABELS, getProfile, PROFILE_FIELDS, updateProfile } from '../../directory/profiles.ts';
import { authorise, NotAllowedError } from '../../identity/authorise.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { organisationInScope } from './admin-organisations.ts';

const UUID = /^[0-9a-f-]{36}$/i;

/** Directory profiles (your own, and an LA's for those in reach) and an organisation's directory contacts. */
export function registerProfiles(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  async function profilePage(request: FastifyRequest, reply: FastifyReply, accountId: string, action: string, extra: Record<string, unknown> = {}, status = 200) {
    const p = await getProfile(ctx.db, accountId);
    if (accountId !== request.me!.accountId && !(await authorise(ctx.db, request.me!.actor, 'account.edit', { organisationId: p.organisationId })).allowed) {
      throw new NotAllowedError('You can only edit profiles in the organisations you administer.');
    }
    const values = Object.fromEntries(Object.entries(p.values).map(([k, v]) => [k, v ?? '']));
    return render(request, reply, 'profile', {
      title: 'Directory profile', nav: accountId === request.me!.accountId ? 'home' : 'admin', profile: p, action, own: accountId === request.me!.accountId,
      locked: Object.fromEntries(p.synced.map((f) => [f, true])), labels: FIELD_LABELS, values, ...extra,
    }, status);
  }

  async function save(request: FastifyRequest, reply: FastifyReply, accountId: string, action: string) {
    const body = { ...((request.body ?? {}) as Record<string, string>) };
    delete body._csrf;
    // An unticked checkbox sends nothing: the form always carries every field.
    body.mobileHidden = body.mobileHidden ?? '0';
    const p = await getProfile(ctx.db, accountId);
    for (const f of p.synced) delete body[f]; // locked fields are shown read-only and not sent back as changes
    for (const k of Object.keys(body)) if (!(k in PROFILE_FIELDS)) delete body[k];
    try {
      await updateProfile(ctx.db, accountId, body, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return profilePage(request, reply, accountId, action, { values: body, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
    return profilePage(request, reply, accountId, action, { notice: 'Your changes have been saved.' });
  }

  app.get('/account/profile', { preHandler: requireSignIn }, (request, reply) => profilePage(request, reply, request.me!.accountId, '/account/profile'));
  app.post('/account/profile', { preHandler: requireSignIn }, (request, reply) => save(request, reply, request.me!.accountId, '/account/profile'));
  app.get<{ Params: { id: string } }>('/admin/accounts/:id/profile', { preHandler: requireSignIn }, (request, reply) =>
    UUID.test(request.params.id) ? profilePage(request, reply, request.params.id, `/admin/accounts/${request.params.id}/profile`) : reply.callNotFound());
  app.post<{ Params: { id: string } }>('/admin/accounts/:id/profile', { preHandler: requireSignIn }, (request, reply) =>
    UUID.test(request.params.id) ? save(request, reply, request.params.id, `/admin/accounts/${request.params.id}/profile`) : reply.callNotFound());

  type CodeParams = { Params: { code: string } };
  async function contactsPage(request: FastifyRequest<CodeParams>, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const org = await organisationInScope(ctx, request, request.params.code, 'contact.edit');
    return render(request, reply, 'admin/contacts', { title: `Directory contacts – ${org.name}`, nav: 'admin', org, contacts: await listContacts(ctx.db, org.id), values: {}, ...extra }, status);
  }
  app.get<CodeParams>('/admin/organisations/:code/contacts', { preHandler: requireSignIn }, (request, reply) => contactsPage(request, reply));
  app.post<CodeParams>('/admin/organisations/:code/contacts', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'contact.edit');
    try {
      await addContact(ctx.db, org.id, request.body, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return contactsPage(request, reply, { values: request.body, errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems) }, 400);
    }
    return reply.redirect(`/admin/organisations/${org.code}/contacts`, 303);
  });
  app.post<{ Params: { code: string; id: string } }>('/admin/organisations/:code/contacts/:id/delete', { preHandler: requireSignIn }, async (request, reply) => {
    const org = await organisationInScope(ctx, request, request.params.code, 'contact.edit');
    if (!UUID.test(request.params.id)) return reply.callNotFound();
    await removeContact(ctx.db, request.params.id, { actor: request.me!.actor, frontDoor: 'portal', ip: request.ip });
    return reply.redirect(`/admin/organisations/${org.code}/contacts`, 303);
  });
}
