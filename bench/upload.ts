// Upload benchmark: a large file saved through Trove's upload session vs a direct write of the same file to the
// same backend, measured in one run and printed as ratios; the Trove server and s3rver run as child processes (the
// server's peak RSS is read from /proc). Size: BENCH_SIZE_MB (default 2048).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TroveClient } from '../src/client/trove-client';
import { HASH_CHUNK_SIZE } from '../src/storage/hashing';
import { createS3Client } from '../src/storage/s3-store';
import { startServerProcess } from '../test/helpers/server-process';

const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 2048);

async function makeFile(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let written = 0; written < bytes; written += block.length) {
    for (let index = 0; index < block.length; index += 4) block.writeUInt32LE((written + index) * 2654435761 >>> 0, index);
    const slice = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(slice)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

/** LaminDB's hash, computed independently: md5, or sha1 over the sha1s of the first and last 50 MiB. */
async function laminHash(file: string, size: number): Promise<string> {
  if (size <= HASH_CHUNK_SIZE) return createHash('md5').update(await readFile(file)).digest('base64url').slice(0, 22);
  const handle = await open(file);
  const chunk = Buffer.alloc(HASH_CHUNK_SIZE);
  await handle.read(chunk, 0, HASH_CHUNK_SIZE, 0);
  const first = createHash('sha1').update(chunk).digest();
  await handle.read(chunk, 0, HASH_CHUNK_SIZE, size - HASH_CHUNK_SIZE);
  const last = createHash('sha1').update(chunk).digest();
  await handle.close();
  return createHash('sha1').update(Buffer.concat([first, last])).digest('base64url').slice(0, 22);
}

function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((status) => ({
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024,
    peak: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) * 1024,
  }));
}

async function startS3Server(directory: string, bucket: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 's3-server.ts'), directory, bucket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return {
    port: Number(line.toString().trim()),
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function measureTrove(label: string, env: Record<string, string>, file: string, size: number, expectedHash: string) {
  const server = await startServerProcess(env);
  const { child, url } = server;
  try {
    const client = new TroveClient(url);
    await client.createArtifact({ content: 'warm-up', description: 'warm-up' }); // JIT, pools, first-request costs
    const before = await memoryOf(child.pid!);
    const started = performance.now();
    const saved = await client.saveFile(file, { description: `bench ${label}` });
    const ms = performance.now() - started;
    const after = await memoryOf(child.pid!);
    if (saved.artifact.hash !== expectedHash) throw new Error(`hash ${saved.artifact.hash} differs from LaminDB's ${expectedHash}`);
    return { ms, mbps: mbps(size, ms), rssGrowth: after.peak - before.rss, hash: saved.artifact.hash, hashType: saved.artifact.hashType };
  } finally {
    await server.stop();
  }
}

const workDir = await mkdtemp(path.join(tmpdir(), 'trove-bench-'));
await chmod(workDir, 0o755);
try {
  const size = sizeMb * 1024 * 1024;
  const file = path.join(workDir, 'big.bin');
  console.log(`creating a ${sizeMb} MiB file ...`);
  await makeFile(file, size);
  const expectedHash = await laminHash(file, size);

  // S3: s3rver and Trove each in a child process; this process is the client.
  const s3rver = await startS3Server(path.join(workDir, 's3rver'), 'bench');
  const endpoint = `http://127.0.0.1:${s3rver.port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const s3 = createS3Client({ endpoint, credentials });
  let started = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'direct/big.bin', Body: createReadStream(file), ContentLength: size }));
  const directS3 = performance.now() - started;
  const viaTroveS3 = await measureTrove('s3', {
    TROVE_DATA_DIR: path.join(workDir, 'trove-s3'),
    TROVE_STORAGE: 's3://bench/trove',
    TROVE_S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    NODE_OPTIONS: '--openssl-legacy-provider',
  }, file, size, expectedHash);
  await s3rver.stop();

  // Local storage: baseline is a plain file copy on the same disk.
  started = performance.now();
  await copyFile(file, path.join(workDir, 'copy.bin'));
  const directLocal = performance.now() - started;
  await rm(path.join(workDir, 'copy.bin'));
  const viaTroveLocal = await measureTrove('local', { TROVE_DATA_DIR: path.join(workDir, 'trove-local') }, file, size, expectedHash);

  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  console.log(`\nfile: ${mb((await stat(file)).size)}, hash ${viaTroveS3.hash} (${viaTroveS3.hashType}) = LaminDB's`);
  console.table({
    's3: direct PutObject': { 'MB/s': mbps(size, directS3).toFixed(0), ratio: '1.00', 'server RSS growth': '-' },
    's3: through Trove': { 'MB/s': viaTroveS3.mbps.toFixed(0), ratio: (viaTroveS3.mbps / mbps(size, directS3)).toFixed(2), 'server RSS growth': mb(viaTroveS3.rssGrowth) },
    'local: file copy': { 'MB/s': mbps(size, directLocal).toFixed(0), ratio: '1.00', 'server RSS growth': '-' },
    'local: through Trove': { 'MB/s': viaTroveLocal.mbps.toFixed(0), ratio: (viaTroveLocal.mbps / mbps(size, directLocal)).toFixed(2), 'server RSS growth': mb(viaTroveLocal.rssGrowth) },
  });
  const worst = Math.max(viaTroveS3.rssGrowth, viaTroveLocal.rssGrowth);
  console.log(`peak server RSS growth: ${mb(worst)} (budget 150 MiB): ${worst < 150 * 1024 * 1024 ? 'within' : 'OVER'}`);
  if (worst >= 150 * 1024 * 1024) process.exitCode = 1;
} finally {
  await rm(workDir, { recursive: true, force: true });
}
