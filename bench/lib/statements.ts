// SQL statements and transactions of one GraphQL operation, counted in-process where `pg` sends them (Prisma's
// query events leave out BEGIN and COMMIT) on the database a benchmark uses, after one warm-up run.
import path from 'node:path';
import pg from 'pg';
import { createTrove } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';

export async function countStatements(
  workDir: string,
  databaseUrl: string,
  operation: string,
  variables: () => Record<string, unknown>,
): Promise<{ statements: number; transactions: number }> {
  const log: string[] = [];
  const config = loadConfig({ DATABASE_URL: databaseUrl, TROVE_DATA_DIR: path.join(workDir, 'in-process'), LOG_LEVEL: 'silent', TROVE_RECOVERY_POLL_SECONDS: '0' });
  const trove = await createTrove(config, createLogger('silent'));
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text) log.push(text.trim());
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    const run = async () => {
      const response = await trove.gateway.yoga.fetch('http://trove.bench/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: operation, variables: variables() }),
      });
      const body = (await response.json()) as { errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    };
    await run();
    log.splice(0);
    await run();
    // The per-request token check (is there any token?) is authentication, not the operation's work.
    const work = log.filter((sql) => !sql.includes('"ApiToken"'));
    return {
      statements: work.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(sql)).length,
      transactions: work.filter((sql) => /^BEGIN\b/i.test(sql)).length,
    };
  } finally {
    pg.Client.prototype.query = query;
    await trove.close();
  }
}
