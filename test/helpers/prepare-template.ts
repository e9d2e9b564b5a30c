import { existsSync, renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { pgliteTemplatePath, postgresTemplateName, serverUrl, TEST_DB_PREFIX, withDatabaseName } from './template.ts';

// Run once by scripts/run-tests.js before the test files start. Several runs may
// share one PostgreSQL server at once, so nothing here removes what another run uses.
const url = serverUrl();
if (url) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('select pg_advisory_lock(727100002)');
  try {
    // Test databases more than three hours old are left over from a run that was killed.
    const cutoff = Math.floor(Date.now() / 1000) - 3 * 3600;
    const all = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${TEST_DB_PREFIX}%`]);
    for (const { datname } of all.rows) {
      const born = Number.parseInt(datname.slice(TEST_DB_PREFIX.length).split('_')[0], 10);
      if (Number.isFinite(born) && born < cutoff) await admin.query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`);
    }
    const exists = await admin.query(`select 1 from pg_database where datname = $1`, [postgresTemplateName]);
    if (!exists.rowCount) {
      const building = `${postgresTemplateName}_build`;
      await admin.query(`drop database if exists ${pg.escapeIdentifier(building)} with (force)`);
      await admin.query(`create database ${pg.escapeIdentifier(building)}`);
      const database = await openDatabase({ databaseUrl: withDatabaseName(url, building), poolSize: 1 });
      await migrateToLatest(database.db);
      await database.close();
      // Only a complete template gets the name the tests look for.
      await admin.query(`alter database ${pg.escapeIdentifier(building)} rename to ${pg.escapeIdentifier(postgresTemplateName)}`);
      console.log(`Test template: PostgreSQL database ${postgresTemplateName}`);
    }
  } finally {
    await admin.query('select pg_advisory_unlock(727100002)');
    await admin.end();
  }
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
