import { z } from 'zod';
import { AccountInput } from '../../directory/account-schema.ts';
import { createAccount, getAccount, listAccounts, STATUS_LABELS } from '../../directory/accounts.ts';
import { findLeaverByEmail } from '../../directory/leavers.ts';
import { acceptJoiner, DisableInput, disableAccount, enableAccount, JoinerInput, lifecyclePolicy, markLeaver, MoveInput, moveAccount, restoreAccount } from '../../directory/lifecycle.ts';
import { findOrganisationByCode } from '../../directory/organisations.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { type ApiCall, apiRoute } from '../registry.ts';

const Id = z.object({ id: z.uuid('must be an account id') });
const TAG = 'Accounts';

function lifecycle(call: ApiCall<unknown, unknown, unknown>) {
  return { actor: call.actor, frontDoor: 'api' as const, ip: call.ip, notifier: call.ctx.notifier, policy: lifecyclePolicy(call.ctx.settings), domain: call.ctx.settings.domain };
}

/** An account as the API shows it: the directory fields and status, never secrets. */
async function accountJson(call: ApiCall<unknown, unknown, unknown>, id: string) {
  const a = await getAccount(call.db, id);
  await requireAllowed(call.db, call.actor, 'account.read', { organisationId: a.organisation_id });
  return {
    id: a.id, email: a.email, displayName: a.display_name, firstName: a.first_name, lastName: a.last_name, status: a.status, statusLabel: STATUS_LABELS[a.status],
    statusChangedAt: a.status_changed_at, organisationCode: a.organisation_code, organisationName: a.organisation_name, unit: a.unit_name,
    jobTitle: a.job_title, jobRole: a.job_role, specialty: a.specialty, department: a.department, location: a.location,
    workPhone: a.work_phone, mobile: a.mobile, mobileHidden: a.mobile_hidden, pager: a.pager, externalSyncId: a.external_sync_id, lastSignInAt: a.last_sign_in_at,
  };
}

export const accountRoutes = [
  apiRoute({
    method: 'GET', path: '/accounts', tag: TAG, summary: "List an organisation's accounts (optionally with the organisations below it)",
    query: z.object({
      organisation: z.string().trim().min(1, 'Give the organisation code').max(20),
      includeChildren: z.enum(['1', '0', 'true', 'false']).optional(),
      page: z.coerce.number().int().min(1).default(1),
      pageSize: z.coerce.number().int().min(1).max(500).default(100),
    }),
    handler: async ({ db, actor, query }) => {
      const org = await findOrganisationByCode(db, query.organisation);
      if (!org) throw new NotFoundError(`There is no organisation with code ${query.organisation.toUpperCase()}.`);
      await requireAllowed(db, actor, 'account.list', { organisationId: org.id });
      const r = await listAccounts(db, org.id, { includeChildren: query.includeChildren === '1' || query.includeChildren === 'true', limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      return { json: { total: r.total, page: query.page, pageSize: query.pageSize, accounts: r.rows } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/accounts', tag: TAG, summary: 'Create an account; the answer carries its one-time temporary password', body: AccountInput,
    handler: async (call) => {
      const a = await createAccount(call.db, call.input, { actor: call.actor, frontDoor: 'api', ip: call.ip, domain: call.ctx.settings.domain });
      return { status: 201, json: a };
    },
  }),
  apiRoute({
    method: 'GET', path: '/accounts/:id', tag: TAG, summary: 'One account', params: Id,
    handler: async (call) => ({ json: await accountJson(call, call.params.id) }),
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/leaver', tag: TAG, summary: 'Mark as leaver (30 days; admin roles removed; the person is emailed)', params: Id,
    handler: async (call) => ({ json: await markLeaver(call.db, call.params.id, lifecycle(call)) }),
  }),
  apiRoute({
    method: 'GET', path: '/leavers', tag: TAG, summary: 'Find a leaver by address, to accept them as a joiner',
    query: z.object({ email: z.string().trim().min(3, 'Give their email address').max(254) }),
    handler: async ({ db, actor, query }) => {
      const l = await findLeaverByEmail(db, actor, query.email);
      return { json: { id: l.id, email: l.email, firstName: l.first_name, lastName: l.last_name, leavingOrganisationCode: l.organisation_code, leaverSince: l.status_changed_at } };
    },
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/joiner', tag: TAG, summary: "Accept a leaver into the key's organisation (or one below it)", params: Id, body: JoinerInput,
    handler: async (call) => ({ json: await acceptJoiner(call.db, call.params.id, call.input, lifecycle(call)) }),
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/disable', tag: TAG, summary: 'Disable for a long absence (up to 18 months; still receives mail)', params: Id, body: DisableInput,
    handler: async (call) => ({ json: await disableAccount(call.db, call.params.id, call.input, lifecycle(call)) }),
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/enable', tag: TAG, summary: 'End a disablement', params: Id,
    handler: async (call) => ({ json: await enableAccount(call.db, call.params.id, lifecycle(call)) }),
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/restore', tag: TAG, summary: 'Restore a deleted account (within 30 days)', params: Id,
    handler: async (call) => ({ json: await restoreAccount(call.db, call.params.id, lifecycle(call)) }),
  }),
  apiRoute({
    method: 'POST', path: '/accounts/:id/move', tag: TAG, summary: 'Move to another organisation in reach', params: Id, body: MoveInput,
    handler: async (call) => ({ json: await moveAccount(call.db, call.params.id, call.input, lifecycle(call)) }),
  }),
];
