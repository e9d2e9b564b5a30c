import { existsSync, renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { pgliteTemplatePath, postgresTemplateName, serverUrl, withDatabaseName } from './template.ts';

// Run once by scripts/run-tests.js before the test files start.
const url = serverUrl();
if (url) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // Databases left by an earlier run that was killed.
  const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'caremail_t_%' or (datname like 'caremail_template_%' and datname <> $1)`, [postgresTemplateName]);
  for (const { datname } of stale.rows) await admin.query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`);
  await admin.query(`drop database if exists ${pg.escapeIdentifier(postgresTemplateName)} with (force)`);
  await admin.query(`create database ${pg.escapeIdentifier(postgresTemplateName)}`);
  const database = await openDatabase({ databaseUrl: withDatabaseName(url, postgresTemplateName), poolSize: 1 });
  await migrateToLatest(database.db);
  await database.close();
  await admin.end();
  console.log(`Test template: PostgreSQL database ${postgresTemplateName}`);
} else if (!existsSync(pgliteTemplatePath)) {
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(database.db);
  const dump = await database.pglite!.dumpDataDir('gzip');
  await database.close();
  const tmp = `${pgliteTemplatePath}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, pgliteTemplatePath);
  console.log(`Test template: PGlite dump ${pgliteTemplatePath}`);
}
