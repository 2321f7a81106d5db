// Prisma client factory: Prisma 6 with the pg driver adapter (no native engines), on a pool Trove owns (its use is
// reported in /metrics).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client';

export type Database = PrismaClient;

export interface DatabaseOptions {
  /** Called with every SQL statement Prisma sends; tests use it to catch N+1 queries. */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): { db: Database; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  if (!options.onQuery) return { db: new PrismaClient({ adapter }), pool };
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (event) => onQuery(event.query));
  return { db: client, pool };
}
