// A helper server (s3rver, yoga's hello world, a bare PUT server) in a process of its own: it prints its port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export async function startChildServer(script: string, args: string[] = []): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'servers', script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(line.toString().trim()),
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
