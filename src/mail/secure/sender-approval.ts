import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { Via } from './accredited-domains.ts';
import './tables.ts';

/**
 * An organisation may require its users to be approved by a Local Administrator
 * before they may send encrypted mail to outside addresses (SPEC 7: "an
 * organisation may have to be approved for it"). The requirement set on an
 * organisation covers everything below it in the tree.
 */
export async function approvalRequiredFor(db: Kysely<DB>, organisationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('organisation_closure as c')
    .innerJoin('secure_org_policies as p', 'p.organisation_id', 'c.ancestor_id')
    .select('p.organisation_id')
    .where('c.descendant_id', '=', organisationId)
    .where('p.approval_required', '=', true)
    .executeTakeFirst();
  return Boolean(row);
}

/** May this account start an encrypted exchange with an outside address? */
export async function mayStartEncryptedExchange(db: Kysely<DB>, accountId: string): Promise<boolean> {
  const account = await db.selectFrom('accounts').select('organisation_id').where('id', '=', accountId).executeTakeFirst();
  if (!account) return false;
  if (!(await approvalRequiredFor(db, account.organisation_id))) return true;
  return Boolean(await db.selectFrom('secure_sender_approvals').select('account_id').where('account_id', '=', accountId).executeTakeFirst());
}

const who = (via: Via) => ({ id: via.actor.kind === 'account' ? via.actor.accountId : null, label: via.actor.label });

export async function setApprovalRequired(db: Kysely<DB>, organisationId: string, required: boolean, via: Via): Promise<void> {
  await requireAllowed(db, via.actor, 'secure.approve_senders', { organisationId });
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('secure_org_policies')
      .values({ organisation_id: organisationId, approval_required: required })
      .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ approval_required: required, updated_at: new Date() }))
      .execute();
    await appendAudit(trx, { actor: who(via), action: 'secure.approval_required.set', target: { type: 'organisation', id: organisationId }, organisationId, frontDoor: via.frontDoor, ip: via.ip ?? null, detail: { required } });
  });
}

export async function setSenderApproved(db: Kysely<DB>, accountId: string, approved: boolean, via: Via): Promise<void> {
  const account = await db.selectFrom('accounts').select(['organisation_id']).where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new NotFoundError('That account does not exist.');
  await requireAllowed(db, via.actor, 'secure.approve_senders', { organisationId: account.organisation_id });
  await db.transaction().execute(async (trx) => {
    if (approved) {
      await trx.insertInto('secure_sender_approvals').values({ account_id: accountId, approved_by: via.actor.label }).onConflict((oc) => oc.column('account_id').doNothing()).execute();
    } else {
      await trx.deleteFrom('secure_sender_approvals').where('account_id', '=', accountId).execute();
    }
    await appendAudit(trx, {
      actor: who(via), action: approved ? 'secure.sender.approve' : 'secure.sender.withdraw', target: { type: 'account', id: accountId },
      organisationId: account.organisation_id, frontDoor: via.frontDoor, ip: via.ip ?? null,
    });
  });
}
