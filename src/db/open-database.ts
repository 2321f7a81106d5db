// Opens Trove's database: the configured PostgreSQL, or the embedded one in the data dir. Migrations are
// applied before the Prisma client is handed out.
import path from 'node:path';
import pg from 'pg';
import type { TroveConfig } from '../config';
import { createDatabase, type Database, type DatabaseOptions, type SqlReader } from './client';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrate';

export interface OpenedDatabase {
  db: Database;
  /** Plain reads on the same pool (see SqlReader). */
  read: SqlReader;
  /** The connection pool behind `db` (its use is a metric). */
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  migrationsApplied: string[];
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = 'trove';

async function ensureDatabaseExists(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

export async function openDatabase(
  config: TroveConfig,
  log: (message: string) => void,
  options: DatabaseOptions = {},
): Promise<OpenedDatabase> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => undefined as void;
  if (!url) {
    const embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), log);
    await ensureDatabaseExists(embedded.url, EMBEDDED_DATABASE);
    url = embedded.urlFor(EMBEDDED_DATABASE);
    stopEmbedded = embedded.stop;
  }
  const migrationsApplied = await applyMigrations(url);
  const { db, pool, read } = createDatabase(url, options);
  return {
    db,
    read,
    pool,
    url,
    embedded: !config.databaseUrl,
    migrationsApplied,
    close: async () => {
      await db.$disconnect();
      await stopEmbedded();
    },
  };
}
