// Prisma client factory: Prisma 6 with the pg driver adapter (no native engines).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Database = PrismaClient;

export interface DatabaseOptions {
  /** Called with every SQL statement Prisma sends; tests use it to catch N+1 queries. */
  onQuery?: (sql: string) => void;
  poolSize?: number;
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): Database {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (event) => onQuery(event.query));
  return client;
}
