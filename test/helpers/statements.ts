// The SQL a test's work sends, counted where `pg` sends it (Prisma's query events leave out BEGIN and COMMIT).
import pg from 'pg';

/** Counts the transactions and statements `pg` sends while `run` goes on. */
export async function counted<T>(run: () => Promise<T>): Promise<{ result: T; transactions: number; statements: number }> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text && !text.includes('"ApiToken"')) sent.push(text.trim());
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    const result = await run();
    return { result, transactions: sent.filter((text) => /^BEGIN\b/i.test(text)).length, statements: sent.filter((text) => !/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(text)).length };
  } finally {
    pg.Client.prototype.query = query;
  }
}
