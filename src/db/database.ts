import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { DB } from './schema.ts';
import { lockDataFolder } from './pglite-lock.ts';
import { PreparingClient } from './prepared.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export type Database = {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** The embedded engine, when there is one: tests dump and load it as a template. */
  pglite?: PGlite;
  /** A second path for LISTEN/NOTIFY, which needs a connection of its own on a server. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export type OpenOptions = {
  databaseUrl?: string;
  /** Folder for the embedded database; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  /** A dump (from `dumpDataDir`) to start from instead of an empty folder. */
  loadDataDir?: Blob | File;
  poolSize?: number;
};

const extensions = { pg_trgm, unaccent };

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize ?? 10);
  return openPglite(opts.dataDir ?? 'memory://', opts.loadDataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, Client: PreparingClient });
  // A pool error (the server restarting) must not crash the process: the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    async listen(channel, onPayload) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('error', () => {});
      client.on('notification', (n) => {
        if (n.channel === channel) onPayload(n.payload ?? '');
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await db.destroy();
    },
  };
}

async function openPglite(dataDir: string, loadDataDir?: Blob | File): Promise<Database> {
  const onDisk = !dataDir.startsWith('memory://');
  let unlock = () => {};
  let dir = dataDir;
  if (onDisk) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataFolder(dataDir);
    dir = join(dataDir, 'pglite');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir, { extensions, ...(loadDataDir ? { loadDataDir } : {}) });
  } catch (err) {
    unlock();
    throw err;
  }
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, Client: PreparingClient });
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    pglite,
    async listen(channel, onPayload) {
      return pglite.listen(channel, onPayload);
    },
    async close() {
      await db.destroy();
      await pglite.close();
      unlock();
    },
  };
}

export async function databaseAnswers(db: Kysely<DB>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
