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

/**
 * Plain reads on the same pool without Prisma's query machinery (which costs 0.4 ms of CPU per raw statement and about
 * 1.5 ms per model query on top of the statement): for a page's loaders and the lookups every save makes. Rows come as
 * Prisma returns them: timestamps (stored as UTC without a zone) as Dates, bigints as BigInt, enums as their names.
 */
export type SqlReader = <Row>(text: string, values: unknown[]) => Promise<Row[]>;

const PRISMA_LIKE_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.TIMESTAMP) return (value: string) => new Date(`${value.replace(' ', 'T')}Z`);
    if (oid === pg.types.builtins.INT8) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * @prisma/adapter-pg 6.19.3 keeps a transaction's connection checked out when the COMMIT statement itself fails
 * (Prisma then calls neither commit() nor rollback()): measured, the pool grew by one connection per failed COMMIT
 * and disconnecting hung. A failed COMMIT ends the transaction either way, so its connection is handed back here (the
 * pool drops it if it is broken), once.
 */
function releasingFailedCommits(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      const commit = transaction.commit.bind(transaction);
      const rollback = transaction.rollback.bind(transaction);
      const executeRaw = transaction.executeRaw.bind(transaction);
      let ended = false;
      const once = (end: () => Promise<void>) => async () => {
        if (ended) return;
        ended = true;
        await end();
      };
      transaction.commit = once(commit);
      transaction.rollback = once(rollback);
      transaction.executeRaw = async (query) => {
        try {
          return await executeRaw(query);
        } catch (error) {
          if (/^\s*COMMIT\s*$/i.test(query.sql)) await transaction.rollback();
          throw error;
        }
      };
      return transaction;
    };
    return adapter;
  };
  return factory;
}

export function createDatabase(databaseUrl: string, options: DatabaseOptions = {}): { db: Database; pool: pg.Pool; read: SqlReader } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  const adapter = releasingFailedCommits(new PrismaPg(pool, { disposeExternalPool: true }));
  const onQuery = options.onQuery;
  const read: SqlReader = async <Row>(text: string, values: unknown[]) => {
    onQuery?.(text);
    const result = await pool.query({ text, values, types: PRISMA_LIKE_TYPES });
    return result.rows as Row[];
  };
  if (!onQuery) return { db: new PrismaClient({ adapter }), pool, read };
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query));
  return { db: client, pool, read };
}
