import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../src/db/migrate.ts';

/**
 * Tests start from a template database that already has the schema: a PGlite
 * dump on disk, or a PostgreSQL database used as CREATE DATABASE's template.
 * Its name carries a digest of the migration list, so a new migration makes a
 * new template.
 */
export const migrationsDigest = createHash('sha256').update(Object.keys(migrations).join(',')).digest('hex').slice(0, 12);
export const pgliteTemplatePath = join(tmpdir(), `caremail-test-template-${migrationsDigest}.tar.gz`);
export const postgresTemplateName = `caremail_template_${migrationsDigest}`;

export function serverUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
