import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { pgliteTemplatePath, postgresTemplateName, serverUrl, TEST_DB_PREFIX, withDatabaseName } from './template.ts';

export type TestDatabase = Database & { url?: string };

/**
 * A fresh database with the schema, on the engine the run was asked for:
 * PostgreSQL when DATABASE_URL is set (a new database copied from the
 * template), PGlite otherwise (an in-memory engine loaded from the template dump).
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const url = serverUrl();
  if (url) {
    const name = `${TEST_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(postgresTemplateName)}`);
    } finally {
      await admin.end();
    }
    const dbUrl = withDatabaseName(url, name);
    const database = await openDatabase({ databaseUrl: dbUrl, poolSize: 5 });
    await migrateToLatest(database.db);
    return {
      ...database,
      url: dbUrl,
      async close() {
        await database.close();
        const a = new pg.Client({ connectionString: url });
        await a.connect();
        await a.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`).catch(() => {});
        await a.end();
      },
    };
  }
  // The template is made before the run; if the migrations changed since, start from an empty engine instead.
  const database = existsSync(pgliteTemplatePath)
    ? await openDatabase({ dataDir: 'memory://', loadDataDir: new Blob([readFileSync(pgliteTemplatePath)]) })
    : await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(database.db);
  return database;
}

export const onPostgres = () => Boolean(serverUrl());
