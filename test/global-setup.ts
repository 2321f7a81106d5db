// Starts the real services every test file shares: PostgreSQL (DATABASE_URL if given, else embedded in a
// temp dir), s3rver in-process, and OpenStack Swift's S3 layer when its binaries are installed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded';
import { createMigratedDatabase } from '../src/db/migrate';

const run = promisify(execFile);
export const TEMPLATE_DATABASE = 'trove_template';
export const S3RVER_BUCKET = 'trove-test';
export const SWIFT_BUCKET = 'trove-swift-test';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    s3rverEndpoint: string;
    swiftEndpoint: string | null;
    swiftSkipReason: string;
  }
}

async function startSwift(workDir: string): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const basePort = await freePort();
  const memcachedPort = await freePort();
  const script = path.join(import.meta.dirname, 'services', 'start-swift-s3.sh');
  await run('bash', [script, workDir, String(port), String(basePort), String(memcachedPort)], { timeout: 60_000 });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const name of ['proxy', 'object', 'container', 'account', 'memcached']) {
        const pid = Number(await readFile(path.join(workDir, 'run', `${name}.pid`), 'utf8').catch(() => '0'));
        if (pid) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        }
      }
    },
  };
}

export default async function setup(project: TestProject) {
  const workDir = await mkdtemp(path.join(tmpdir(), 'trove-test-'));
  await chmod(workDir, 0o755); // the embedded server runs as the `postgres` user when we are root
  const stops: (() => Promise<void>)[] = [];

  let postgresUrl = process.env.DATABASE_URL;
  if (!postgresUrl) {
    const embedded = await startEmbeddedPostgres(path.join(workDir, 'postgres'));
    stops.push(embedded.stop);
    postgresUrl = embedded.url;
  }
  await createMigratedDatabase(postgresUrl, TEMPLATE_DATABASE);

  const { default: S3rver } = await import('s3rver');
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: path.join(workDir, 's3rver'),
    configureBuckets: [{ name: S3RVER_BUCKET }],
  });
  const { port: s3rverPort } = await s3rver.run();
  stops.push(() => s3rver.close());

  let swiftEndpoint: string | null = null;
  let swiftSkipReason = '';
  if (existsSync('/usr/bin/swift-proxy-server')) {
    const swift = await startSwift(path.join(workDir, 'swift'));
    stops.push(swift.stop);
    swiftEndpoint = swift.endpoint;
  } else {
    swiftSkipReason = 'OpenStack Swift is not installed (apt-get install swift swift-proxy swift-object swift-container swift-account memcached; .ci/run does it)';
  }

  project.provide('postgresUrl', postgresUrl);
  project.provide('s3rverEndpoint', `http://127.0.0.1:${s3rverPort}`);
  project.provide('swiftEndpoint', swiftEndpoint);
  project.provide('swiftSkipReason', swiftSkipReason);

  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  };
}
