import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tests start from a template database that already has the schema: a PGlite
 * dump on disk, or a PostgreSQL database used as CREATE DATABASE's template.
 * Its name carries a digest of the migration files' contents, so any change to
 * a migration makes a new template.
 */
const migrationsDir = new URL('../../src/db/migrations/', import.meta.url).pathname;
const digest = createHash('sha256');
for (const f of readdirSync(migrationsDir).sort()) digest.update(f).update(readFileSync(join(migrationsDir, f)));
digest.update(readFileSync(new URL('../../src/db/migrate.ts', import.meta.url)));
export const migrationsDigest = digest.digest('hex').slice(0, 12);
export const pgliteTemplatePath = join(tmpdir(), `caremail-test-template-${migrationsDigest}.tar.gz`);
export const postgresTemplateName = `caremail_template_${migrationsDigest}`;
/** Test databases are named with their creation time, so a later run can tell which are left over. */
export const TEST_DB_PREFIX = 'caremail_t_';

export function serverUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
