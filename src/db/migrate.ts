import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_outbox.ts';
import * as m0100 from './migrations/0100_sign_in_safety.ts';
import * as m0150 from './migrations/0150_mfa_and_recovery.ts';
import * as m0200 from './migrations/0200_directory.ts';
import * as m0210 from './migrations/0210_api_key_levels.ts';
import * as m0220 from './migrations/0220_people_finder_names.ts';
import * as m0300 from './migrations/0300_mail_store.ts';
import * as m0301 from './migrations/0301_mail_queue.ts';
import * as m0310 from './migrations/0310_approvals.ts';
import * as m0400 from './migrations/0400_imap_recent.ts';
import * as m0500 from './migrations/0500_webmail.ts';
import * as m0510 from './migrations/0510_mail_flags.ts';
import * as m0600 from './migrations/0600_secure_messaging.ts';

/**
 * Every migration. Listed by hand rather than read from the folder so that the
 * same list works from source and from a bundled build. Each domain numbers its
 * own in a range (0001–0099 foundation, 0100 identity, 0200 directory, 0300 mail,
 * 0400 IMAP, 0500 webmail, 0600 secure messaging, 0700 status); a migration
 * never changes once it has landed.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_outbox': m0002,
  '0100_sign_in_safety': m0100,
  '0150_mfa_and_recovery': m0150,
  '0200_directory': m0200,
  '0210_api_key_levels': m0210,
  '0220_people_finder_names': m0220,
  '0300_mail_store': m0300,
  '0301_mail_queue': m0301,
  '0310_approvals': m0310,
  '0400_imap_recent': m0400,
  '0500_webmail': m0500,
  '0510_mail_flags': m0510,
  '0600_secure_messaging': m0600,
};

class ListedMigrations implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  // Domains number their migrations in their own ranges, so one may land before another's earlier number.
  const migrator = new Migrator({ db, provider: new ListedMigrations(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${why}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
