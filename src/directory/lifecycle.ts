import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AccountStatus, DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { actorForAudit } from '../identity/actor.ts';
import { NotAllowedError, requireAllowed } from '../identity/authorise.ts';
import { ADMIN_ROLES } from '../identity/roles.ts';
import type { Notifier } from '../notify/notifier.ts';
import { ConflictError, NotFoundError, ValidationError, zodProblems } from '../shared/errors.ts';
import { displayNameFor, STATUS_LABELS } from './accounts.ts';
import { claimAddress, localPartFor } from './addresses.ts';
import type { Context } from './organisations.ts';
import { directoryDb } from './tables.ts';
import type { LifecyclePeriods } from '../shared/lifecycle-periods.ts';

/**
 * The account lifecycle an administrator drives (SPEC 3): leaver, joiner,
 * disable and enable, restore, move. Each checks `authorise`, changes the
 * account and writes its audit entry in one transaction, then tells the person
 * by email. The scheduled steps (inactivity, deletion) are in lifecycle-jobs.ts.
 */
export type LifecyclePolicy = LifecyclePeriods & { addressReuseDays: number };

/** The periods from the operator's settings. */
export function lifecyclePolicy(s: { lifecycle: LifecyclePeriods; addressReuseDays: number }): LifecyclePolicy {
  const l = s.lifecycle;
  return {
    leaverDays: l.leaverDays, joinerAliasDays: l.joinerAliasDays, disableMaxDays: l.disableMaxDays, inactiveAfterDays: l.inactiveAfterDays,
    deleteInactiveAfterDays: l.deleteInactiveAfterDays, restoreDays: l.restoreDays, warningDays: l.warningDays, addressReuseDays: s.addressReuseDays,
  };
}

export type LifecycleContext = Context & { notifier: Notifier; policy: LifecyclePolicy; now?: Date };

const DAY = 86_400_000;
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * DAY);
const ukDate = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

async function loadAccount(trx: Kysely<DB>, accountId: string) {
  const row = await directoryDb(trx)
    .selectFrom('accounts as a')
    .innerJoin('organisations as o', 'o.id', 'a.organisation_id')
    .select(['a.id', 'a.email', 'a.first_name', 'a.last_name', 'a.status', 'a.status_changed_at', 'a.organisation_id', 'a.kind', 'o.name as organisation_name', 'o.code as organisation_code'])
    .where('a.id', '=', accountId)
    .forUpdate('a')
    .executeTakeFirst();
  if (!row || row.status === 'deleted_permanent') throw new NotFoundError('That account does not exist.');
  return row;
}

async function targetOrganisation(trx: Kysely<DB>, code: string, unit: string | undefined) {
  const org = await trx.selectFrom('organisations').select(['id', 'code', 'name', 'short_name', 'status']).where('code', '=', code.toUpperCase()).executeTakeFirst();
  if (!org) throw new ValidationError([{ field: 'organisationCode', message: `There is no organisation with code ${code.toUpperCase()}.` }]);
  if (org.status === 'closed') throw new ValidationError([{ field: 'organisationCode', message: `${org.name} is closed and cannot take accounts. Choose an open organisation.` }]);
  let unitId: string | null = null;
  if (unit) {
    const u = await trx.selectFrom('organisation_units').select('id').where('organisation_id', '=', org.id).where('name', '=', unit).executeTakeFirst();
    if (!u) throw new ValidationError([{ field: 'unit', message: `${org.name} has no unit called ${unit}.` }]);
    unitId = u.id;
  }
  return { ...org, unitId };
}

function refuse(status: AccountStatus, doing: string, hint: string): never {
  throw new ConflictError(`This account is ${STATUS_LABELS[status]}, so it cannot be ${doing}. ${hint}`);
}

async function audit(trx: Kysely<DB>, ctx: Context, action: string, account: { id: string; email: string }, organisationId: string, detail: Record<string, unknown>) {
  await appendAudit(trx, {
    actor: actorForAudit(ctx.actor), action, target: { type: 'account', id: account.id },
    organisationId, frontDoor: ctx.frontDoor, ip: ctx.ip, detail: { email: account.email, ...detail },
  });
}

/** An LA marks a leaver: Active (Leaver) for the leaver period, every admin role gone, the person told. */
export async function markLeaver(db: Kysely<DB>, accountId: string, ctx: LifecycleContext) {
  const now = ctx.now ?? new Date();
  const done = await db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: a.organisation_id });
    if (!['active', 'locked', 'inactive'].includes(a.status)) refuse(a.status, 'marked as a leaver', 'Only an active, locked or inactive account can leave.');
    const removed = await trx.deleteFrom('account_roles').where('account_id', '=', a.id).where('role', 'in', [...ADMIN_ROLES]).returning(['role', 'organisation_id']).execute();
    await directoryDb(trx).updateTable('accounts')
      .set({ status: 'leaver', status_changed_at: now, previous_organisation_id: a.organisation_id, updated_at: now })
      .where('id', '=', a.id).execute();
    await audit(trx, ctx, 'account.leaver', a, a.organisation_id, { from: a.status, to: 'leaver', rolesRemoved: removed.map((r) => r.role) });
    return { ...a, joinBy: addDays(now, ctx.policy.leaverDays) };
  });
  await ctx.notifier.email({
    to: done.email, accountId: done.id, purpose: 'account_leaver', subject: 'You have been marked as leaving your organisation',
    text: [
      `${done.organisation_name} has marked you as leaving. Your Caremail account, its mail and its address stay yours until ${ukDate(done.joinBy)}.`,
      'If you are moving to another health or care organisation, ask its Local Administrator to accept you as a joiner before then: you keep your mailbox and your address.',
      `If you are not joining another organisation, your account will be deleted after ${ukDate(done.joinBy)}.`,
    ].join('\n\n'),
  });
  return { id: done.id, email: done.email, status: 'leaver' as const, joinBy: done.joinBy };
}

export const JoinerInput = z.object({
  organisationCode: z.string().trim().min(1, 'Choose the organisation they are joining').max(20),
  unit: z.string().trim().max(100).optional().transform((v) => v || undefined),
  /** A new surname (on marriage, say): the address changes and the old one stays as a receive-only alias. */
  lastName: z.string().trim().max(64).regex(/^[\p{L}\p{M}' .-]*$/u, 'must be letters, spaces, hyphens and apostrophes only').optional().transform((v) => v || undefined),
});

/** Another organisation's LA accepts a leaver: same account, mail and history; new organisation and display name. */
export async function acceptJoiner(db: Kysely<DB>, accountId: string, input: unknown, ctx: LifecycleContext & { domain: string }) {
  const parsed = JoinerInput.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const v = parsed.data;
  const now = ctx.now ?? new Date();
  const done = await db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    if (a.status !== 'leaver') refuse(a.status, 'accepted as a joiner', 'Their old organisation\'s Local Administrator marks them as a leaver first.');
    if (a.status_changed_at.getTime() + ctx.policy.leaverDays * DAY < now.getTime()) {
      throw new ConflictError(`This leaver left more than ${ctx.policy.leaverDays} days ago and can no longer join. Create a new account instead.`);
    }
    const org = await targetOrganisation(trx, v.organisationCode, v.unit);
    // The joining organisation's LA decides; the old organisation has already let them go.
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: org.id });
    const lastName = v.lastName ?? a.last_name;
    const displayName = displayNameFor({ firstName: a.first_name, lastName }, org);
    let email = a.email;
    let alias: { address: string; until: Date } | null = null;
    if (lastName !== a.last_name) {
      email = await claimAddress(trx, localPartFor(a.first_name, lastName), ctx.domain, a.id);
      const until = addDays(now, ctx.policy.joinerAliasDays);
      await trx.updateTable('mail_addresses').set({ kind: 'alias', reserved_until: until }).where('address', '=', a.email).execute();
      alias = { address: a.email, until };
    }
    await directoryDb(trx).updateTable('accounts')
      .set({ organisation_id: org.id, unit_id: org.unitId, status: 'active', status_changed_at: now, display_name: displayName, last_name: lastName, email, previous_organisation_id: null, updated_at: now })
      .where('id', '=', a.id).execute();
    await audit(trx, ctx, 'account.joiner', a, org.id, {
      fromOrganisation: a.organisation_code, toOrganisation: org.code, newEmail: email !== a.email ? email : undefined, aliasUntil: alias?.until.toISOString(),
    });
    return { id: a.id, email, displayName, organisation: org.name, alias };
  });
  await ctx.notifier.email({
    to: done.email, accountId: done.id, purpose: 'account_joiner', subject: `Welcome to ${done.organisation}`,
    text: [
      `You have joined ${done.organisation}. Your mailbox and its mail came with you; your name in the directory is now "${done.displayName}".`,
      done.alias ? `Your address is now ${done.email}. Mail to ${done.alias.address} still reaches you until ${ukDate(done.alias.until)}; tell people your new address.` : `Your address stays ${done.email}.`,
    ].join('\n\n'),
  });
  return done;
}

export const DisableInput = z.object({
  until: z.coerce.date({ message: 'Enter the date the account should be disabled until, like 2027-03-31' }),
  reason: z.string().trim().max(200).optional(),
});

/** For a long absence: cannot sign in, still receives mail; deleted if not enabled by the date. */
export async function disableAccount(db: Kysely<DB>, accountId: string, input: unknown, ctx: LifecycleContext) {
  const parsed = DisableInput.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const now = ctx.now ?? new Date();
  const { until, reason } = parsed.data;
  if (until.getTime() <= now.getTime()) throw new ValidationError([{ field: 'until', message: 'The date must be in the future' }]);
  if (until.getTime() > addDays(now, ctx.policy.disableMaxDays).getTime()) {
    throw new ValidationError([{ field: 'until', message: `An account can be disabled for at most ${ctx.policy.disableMaxDays} days (18 months): choose a date before ${ukDate(addDays(now, ctx.policy.disableMaxDays))}` }]);
  }
  return db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: a.organisation_id });
    if (!['active', 'locked', 'inactive', 'disabled'].includes(a.status)) refuse(a.status, 'disabled', 'Only an active, locked or inactive account can be disabled.');
    await directoryDb(trx).updateTable('accounts').set({ status: 'disabled', status_changed_at: now, disabled_until: until, updated_at: now }).where('id', '=', a.id).execute();
    await trx.deleteFrom('sessions').where('account_id', '=', a.id).execute();
    await audit(trx, ctx, 'account.disable', a, a.organisation_id, { from: a.status, to: 'disabled', until: until.toISOString(), reason });
    return { id: a.id, email: a.email, status: 'disabled' as const, until };
  });
}

/** Ends a disablement early. */
export async function enableAccount(db: Kysely<DB>, accountId: string, ctx: LifecycleContext) {
  const now = ctx.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: a.organisation_id });
    if (a.status !== 'disabled') refuse(a.status, 'enabled', 'Only a disabled account can be enabled.');
    await directoryDb(trx).updateTable('accounts').set({ status: 'active', status_changed_at: now, disabled_until: null, updated_at: now }).where('id', '=', a.id).execute();
    await audit(trx, ctx, 'account.enable', a, a.organisation_id, { from: 'disabled', to: 'active' });
    return { id: a.id, email: a.email, status: 'active' as const };
  });
}

/** An LA restores a Deleted account within the restore period: the same account, address and mail. */
export async function restoreAccount(db: Kysely<DB>, accountId: string, ctx: LifecycleContext) {
  const now = ctx.now ?? new Date();
  const done = await db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: a.organisation_id });
    if (a.status !== 'deleted') refuse(a.status, 'restored', 'Only a deleted account can be restored.');
    if (a.status_changed_at.getTime() + ctx.policy.restoreDays * DAY < now.getTime()) {
      throw new ConflictError(`This account was deleted more than ${ctx.policy.restoreDays} days ago and can no longer be restored.`);
    }
    // A restored account starts a fresh inactivity period, or the next run would delete it again.
    await directoryDb(trx).updateTable('accounts').set({ status: 'active', status_changed_at: now, last_sign_in_at: now, previous_organisation_id: null, disabled_until: null, updated_at: now }).where('id', '=', a.id).execute();
    await audit(trx, ctx, 'account.restore', a, a.organisation_id, { from: 'deleted', to: 'active' });
    return a;
  });
  await ctx.notifier.email({
    to: done.email, accountId: done.id, purpose: 'account_restored', subject: 'Your Caremail account has been restored',
    text: `Your Local Administrator at ${done.organisation_name} has restored your account. Sign in within ${ctx.policy.inactiveAfterDays} days to keep it active.`,
  });
  return { id: done.id, email: done.email, status: 'active' as const };
}

export const MoveInput = z.object({
  organisationCode: z.string().trim().min(1, 'Choose the organisation to move the account to').max(20),
  unit: z.string().trim().max(100).optional().transform((v) => v || undefined),
});

/** Moves an account between organisations (both in the mover's reach); mail, address and history stay. */
export async function moveAccount(db: Kysely<DB>, accountId: string, input: unknown, ctx: LifecycleContext) {
  const parsed = MoveInput.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  const now = ctx.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const a = await loadAccount(trx, accountId);
    await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: a.organisation_id });
    const org = await targetOrganisation(trx, parsed.data.organisationCode, parsed.data.unit);
    try {
      await requireAllowed(trx, ctx.actor, 'account.lifecycle', { organisationId: org.id });
    } catch (err) {
      if (err instanceof NotAllowedError) throw new NotAllowedError(`You cannot move accounts into ${org.name}. To pass someone to another organisation, mark them as a leaver and its Local Administrator accepts them as a joiner.`);
      throw err;
    }
    if (['deleted', 'leaver'].includes(a.status)) refuse(a.status, 'moved', a.status === 'leaver' ? 'A leaver joins another organisation instead.' : 'Restore it first.');
    const displayName = displayNameFor({ firstName: a.first_name, lastName: a.last_name }, org);
    await directoryDb(trx).updateTable('accounts').set({ organisation_id: org.id, unit_id: org.unitId, display_name: displayName, updated_at: now }).where('id', '=', a.id).execute();
    await audit(trx, ctx, 'account.move', a, org.id, { fromOrganisation: a.organisation_code, toOrganisation: org.code });
    return { id: a.id, email: a.email, organisation: org.name, displayName };
  });
}
