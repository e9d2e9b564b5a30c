import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { requireAllowed } from '../../identity/authorise.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { Via } from './accredited-domains.ts';
import './tables.ts';

/**
 * The national alert level, kept in the database so every process reads the
 * same value: High puts the outside banner at the top of a message, Reduced at
 * the bottom. A Global Admin changes it.
 */
export type AlertLevel = 'high' | 'reduced';
export const ALERT_LEVELS: readonly AlertLevel[] = ['high', 'reduced'];
export const DEFAULT_ALERT_LEVEL: AlertLevel = 'reduced';

export async function getAlertLevel(db: Kysely<DB>): Promise<AlertLevel> {
  const row = await db.selectFrom('secure_settings').select('value').where('name', '=', 'alert_level').executeTakeFirst();
  return row && (ALERT_LEVELS as readonly string[]).includes(row.value) ? (row.value as AlertLevel) : DEFAULT_ALERT_LEVEL;
}

export async function setAlertLevel(db: Kysely<DB>, level: string, via: Via): Promise<AlertLevel> {
  await requireAllowed(db, via.actor, 'secure.manage', null);
  if (!(ALERT_LEVELS as readonly string[]).includes(level)) throw new ValidationError([{ field: 'level', message: 'Choose High or Reduced' }]);
  return db.transaction().execute(async (trx) => {
    const before = await getAlertLevel(trx);
    await trx
      .insertInto('secure_settings')
      .values({ name: 'alert_level', value: level, updated_by: via.actor.label })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value: level, updated_by: via.actor.label, updated_at: new Date() }))
      .execute();
    await appendAudit(trx, {
      actor: { id: via.actor.kind === 'account' ? via.actor.accountId : null, label: via.actor.label }, action: 'secure.alert_level.set',
      frontDoor: via.frontDoor, ip: via.ip ?? null, detail: { from: before, to: level },
    });
    return level as AlertLevel;
  });
}
