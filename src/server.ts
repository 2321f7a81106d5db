// Entry point: read config -> open database and storage -> serve GraphQL; graceful shutdown on SIGTERM/SIGINT.
import { listen, createTrove } from './app';
import { ConfigError, listenProblem, loadConfig } from './config';
import { createLogger } from './log';

const started = performance.now();
let config;
try {
  config = loadConfig();
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
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  // Stop accepting connections, let in-flight requests finish, then close the database.
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await trove.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', (signal) => void shutdown(signal));
process.on('SIGINT', (signal) => void shutdown(signal));
