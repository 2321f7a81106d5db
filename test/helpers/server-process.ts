// Trove servers as child processes (for kills, several processes on one database, and benchmarks). The server is
// bundled once with esbuild (dependencies stay external) so that a restart costs about a second, not three.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { freePort } from '../../src/db/embedded';

const projectRoot = path.resolve(import.meta.dirname, '../..');
// Two levels below the project root, like src/db/, so the bundle finds prisma/migrations the same way.
export const bundleFile = path.join(projectRoot, '.test-build', 'server', 'server.mjs');
let bundled: Promise<void> | undefined;

export function bundleServer(): Promise<void> {
  bundled ??= (async () => {
    await mkdir(path.dirname(bundleFile), { recursive: true });
    await build({ entryPoints: [path.join(projectRoot, 'src/server.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundleFile, logLevel: 'error' });
  })();
  return bundled;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited (killed at a fault point, say). */
  exited: Promise<void>;
  /** Its standard output so far (JSON log lines), when started with `captureOutput`. */
  output(): string;
  /** SIGKILL: no clean-up of any kind runs. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startServerProcess(
  env: Record<string, string>,
  options: { timeoutMs?: number; captureOutput?: boolean; command?: string[]; cwd?: string } = {},
): Promise<ServerProcess> {
  // The default command is the bundled server; an installed `trove serve` takes the same settings.
  if (!options.command) await bundleServer();
  const [command, ...args] = options.command ?? [process.execPath, bundleFile];
  const port = await freePort();
  const child = spawn(command!, args, {
    cwd: options.cwd ?? projectRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: env.HOST ?? '127.0.0.1', NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', options.captureOutput ? 'pipe' : process.env.SHOW_SERVER_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the Trove server exited with code ${child.exitCode} while starting`);
    if (await fetch(`${url}/healthz`).then((response) => response.ok, () => false)) {
      return {
        child,
        url,
        exited,
        output: () => output,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error('the Trove server did not become healthy in time');
}
