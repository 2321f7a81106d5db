// Runs a Trove server until SIGTERM/SIGINT: read config -> open database and storage -> serve GraphQL; then drain
// (stop accepting, let requests in flight finish within TROVE_SHUTDOWN_GRACE_SECONDS, close the rest), stop recovery
// and the database (the embedded one too), and log "stopped". Used by `npm start` and `trove serve`.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createTrove, listen, type Trove } from './app';
import { ConfigError, listenProblem, loadConfig } from './config';
import { createLogger } from './log';

/** Stops accepting, waits for requests in flight up to `graceMs`, closes what is left, then stops Trove. */
export async function drainAndStop(server: Server, trove: Trove, log: Logger, graceMs: number): Promise<void> {
  trove.gateway.startDraining();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle between requests: close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([closed.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
  clearTimeout(timer);
  clearInterval(sweeper);
  if (!inTime) {
    log.warn({ graceMs }, 'requests still in flight after the shutdown grace period: closing their connections');
    server.closeAllConnections();
    await closed;
  }
  await trove.close();
}

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const started = performance.now();
  let config;
  try {
    config = loadConfig(env);
    const problem = listenProblem(config);
    if (problem) throw new ConfigError(problem);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  const trove = await createTrove(config, log);
  const { server, url } = await listen(trove, config.port, config.host);
  log.info(
    { url: `${url}/graphql`, storage: config.defaultStorageRoot, database: config.databaseUrl ? 'external' : 'embedded', ms: Math.round(performance.now() - started) },
    `Trove is serving GraphiQL at ${url}/graphql`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new connections; waiting for requests in flight');
    try {
      await drainAndStop(server, trove, log, config.shutdownGraceMs);
      log.info('stopped');
      process.exitCode = 0;
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      process.exitCode = 1;
    }
    // pino writes synchronously to stdout; exit once it is flushed.
    process.exit();
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}
