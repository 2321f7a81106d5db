// What every benchmark figure needs: a PostgreSQL of its own, fresh migrated databases, Trove servers as child
// processes (the load generator never shares their event loop), and a little statistics.
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBounded } from '../../src/domain/bounded';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { createMigratedDatabase } from '../../src/db/migrate';
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process';

export const QUICK = process.env.BENCH_QUICK === '1';

export interface BenchServices {
  workDir: string;
  /** A new, migrated database. */
  database(name: string): Promise<string>;
  /** A Trove server on `databaseUrl` with local storage in the work folder. */
  trove(databaseUrl: string, env?: Record<string, string>): Promise<ServerProcess>;
  stop(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'trove-bench-'));
  await chmod(workDir, 0o755);
  // DATABASE_URL (a maintenance database of a server you run) or the embedded PostgreSQL that `npm start` uses.
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(path.join(workDir, 'postgres'));
  const maintenanceUrl = process.env.DATABASE_URL ?? embedded!.url;
  const servers: ServerProcess[] = [];
  let count = 0;
  return {
    workDir,
    database: (name) => createMigratedDatabase(maintenanceUrl, name),
    async trove(databaseUrl, env = {}) {
      const dataDir = path.join(workDir, `trove-${++count}`);
      const server = await startServerProcess({ DATABASE_URL: databaseUrl, TROVE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env });
      servers.push(server);
      return server;
    },
    async stop() {
      for (const server of servers) await server.stop().catch(() => undefined);
      await embedded?.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

export async function graphql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data as T;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

/** Runs `task` `runs` times and returns each duration in ms. */
export async function timeRuns(runs: number, task: (run: number) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await task(run);
    durations.push(performance.now() - started);
  }
  return durations;
}

/**
 * Runs each task once per round, in turn, for `rounds` rounds, and returns each task's durations in ms: a figure and
 * its baselines measured side by side, so that the machine's drift within a minute falls on all of them alike.
 */
export async function interleavedRuns(rounds: number, tasks: (() => Promise<unknown>)[]): Promise<number[][]> {
  const durations = tasks.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, task] of tasks.entries()) durations[index]!.push(...(await timeRuns(1, task)));
  }
  return durations;
}

/** Runs `count` tasks with at most `concurrency` at a time. */
export async function pooled(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  await runBounded(count, concurrency, async (index) => void (await task(index)));
}

/** One row of the results table: a figure, Trove's value, the baseline's, their ratio and the target. */
export interface FigureRow {
  id: string;
  what: string;
  trove: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | null;
  notes?: string;
}

export const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
