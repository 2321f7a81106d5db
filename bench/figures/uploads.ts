// P1, P1c, P1s: a large file saved through Trove's upload session (local storage; through `trove save`; S3 on
// s3rver), beside a bare Node PUT server that hashes while writing, md5sum of the file, a direct PutObject to the
// same s3rver and a bare Node relay that hashes while it streams a PUT into a PutObject, each baseline run beside one
// of Trove's. The hash must be LaminDB's (computed here independently); the server's RSS growth is read from /proc.
// Size: BENCH_SIZE_MB (default 1024; BENCH_QUICK: 16).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { TroveClient } from '../../src/client/trove-client';
import { HASH_CHUNK_SIZE } from '../../src/storage/hashing';
import { startChildServer } from '../lib/child';
import { startS3rver } from '../lib/s3rver';
import { type BenchServices, type FigureRow, fixed, median, QUICK, timeRuns } from '../lib/services';

const run = promisify(execFile);
const sizeMb = Number(process.env.BENCH_SIZE_MB ?? (QUICK ? 16 : 1024));
const RUNS = QUICK ? 1 : 3;

async function makeFile(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let written = 0; written < bytes; written += block.length) {
    for (let index = 0; index < block.length; index += 4) block.writeUInt32LE(((written + index) * 2654435761) >>> 0, index);
    if (!out.write(block.subarray(0, Math.min(block.length, bytes - written)))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
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

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) * 1024;
}

function putFile(port: number, file: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method: 'PUT', path: '/', headers: { 'content-length': size } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`PUT ${response.statusCode}`))));
    });
    pipeline(createReadStream(file), outgoing).catch(reject);
  });
}

const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

/** Writes the dirty pages of earlier runs to disk, so that a timed run does not pay for them. */
const settleDisk = () => run('sync');

export async function uploadFigures(services: BenchServices): Promise<FigureRow[]> {
  const size = sizeMb * 1024 * 1024;
  const file = path.join(services.workDir, 'big.bin');
  await makeFile(file, size);
  // Every save gets new content (its number in the first bytes): a second save of the same bytes would only dedup.
  let variants = 0;
  const nextVariant = async (): Promise<string> => {
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from(`variant ${++variants}\n`), 0, undefined, 0);
    await handle.close();
    return laminHash(file, size);
  };
  const saveNew = async (save: () => Promise<string | null | undefined>) => {
    const expected = await nextVariant();
    await settleDisk();
    const started = performance.now();
    const hash = await save();
    const ms = performance.now() - started;
    if (hash !== expected) throw new Error(`hash ${hash} differs from LaminDB's ${expected}`);
    return ms;
  };
  /** A baseline's run, on the same footing: the previous run's written pages are flushed first. */
  const timeBaseline = async (task: () => Promise<unknown>) => {
    await settleDisk();
    return (await timeRuns(1, task))[0]!;
  };

  // Baselines: md5sum of the file, and a bare PUT server that hashes while writing, each run beside one of Trove's
  // (the disk's speed drifts within a minute, and a run measured after another pays for that one's writeback).
  const md5sum = median(await timeRuns(RUNS, () => run('md5sum', [file])));
  const bareDir = path.join(services.workDir, 'bare');
  await mkdir(bareDir);
  const bare = await startChildServer('bare-put-server.ts', [bareDir]);
  const local = await services.trove(await services.database('bench_upload_local'));
  const client = new TroveClient(local.url);
  await client.createArtifact({ content: 'warm-up', description: 'warm-up' });
  const barePuts: number[] = [];
  const localTimes: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    barePuts.push(await timeBaseline(() => putFile(bare.port, file, size)));
    localTimes.push(await saveNew(async () => (await client.saveFile(file, { key: `bench/local-${index}.bin` })).artifact.hash));
  }
  const barePut = median(barePuts);
  await bare.stop();

  // Through the CLI, beside the SDK's figure above.
  const cli = path.join(import.meta.dirname, '..', '..', 'bin', 'trove.js');
  const cliTimes: number[] = [];
  for (let index = 0; index < RUNS; index++) cliTimes.push(await saveNew(async () => JSON.parse((await run(process.execPath, [cli, 'save', file, '--key', `bench/cli-${index}.bin`, '--url', local.url, '--json'])).stdout).artifact?.hash));
  const localPeak = await peakRss(local.child.pid!);
  await local.stop();

  // S3 on s3rver: a direct PutObject beside each of Trove's uploads.
  const s3rver = await startS3rver(services, 's3rver');
  const { s3, endpoint } = s3rver;
  const onS3 = await services.trove(await services.database('bench_upload_s3'), s3rver.troveEnv);
  const s3Client = new TroveClient(onS3.url);
  await s3Client.createArtifact({ content: 'warm-up', description: 'warm-up' });
  const relay = await startChildServer('bare-relay-server.ts', [endpoint, 'bench']);
  const directPuts: number[] = [];
  const relayPuts: number[] = [];
  const s3Times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    directPuts.push(await timeBaseline(() => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `direct/${index}.bin`, Body: createReadStream(file), ContentLength: size }))));
    relayPuts.push(await timeBaseline(() => putFile(relay.port, file, size)));
    s3Times.push(await saveNew(async () => (await s3Client.saveFile(file, { key: `bench/s3-${index}.bin` })).artifact.hash));
  }
  await relay.stop();
  const direct = median(directPuts);
  const relayed = median(relayPuts);
  const s3Peak = await peakRss(onS3.child.pid!);
  await onS3.stop();
  await s3rver.stop();

  const localRate = mbps(size, median(localTimes));
  const cliRate = mbps(size, median(cliTimes));
  const s3Rate = mbps(size, median(s3Times));
  const mib = (bytes: number) => `${fixed(bytes / 2 ** 20)} MiB`;
  return [
    {
      id: 'P1',
      what: `${fixed(sizeMb)} MiB upload to local storage (upload session)`,
      trove: `${fixed(localRate)} MB/s (server peak RSS ${mib(localPeak)})`,
      baseline: `bare Node PUT -> file with sha256: ${fixed(mbps(size, barePut))} MB/s; md5sum ${fixed(mbps(size, md5sum))} MB/s`,
      // The bare server's own share of md5sum: the most any upload server reaches on this machine.
      ratio: `${fixed(localRate / mbps(size, barePut), 2)}x bare, ${fixed(localRate / mbps(size, md5sum), 2)}x md5sum (the bare server: ${fixed(md5sum / barePut, 2)}x md5sum)`,
      target: '>= 0.9x the bare Node server; >= 0.6x md5sum',
      met: localRate >= 0.9 * mbps(size, barePut) && localRate >= 0.6 * mbps(size, md5sum),
    },
    {
      id: 'P1c',
      what: 'the same through `trove save`',
      trove: `${fixed(cliRate)} MB/s`,
      baseline: `the SDK upload above: ${fixed(localRate)} MB/s`,
      ratio: `${fixed(cliRate / localRate, 2)}x`,
      target: '>= 0.9x of it',
      met: cliRate >= 0.9 * localRate,
    },
    {
      id: 'P1s',
      what: `${fixed(sizeMb)} MiB upload to S3 (s3rver)`,
      trove: `${fixed(s3Rate)} MB/s (server peak RSS ${mib(s3Peak)})`,
      baseline: `direct PutObject stream: ${fixed(mbps(size, direct))} MB/s; bare Node relay PUT -> PutObject with sha256: ${fixed(mbps(size, relayed))} MB/s`,
      ratio: `${fixed(s3Rate / mbps(size, direct), 2)}x direct, ${fixed(s3Rate / mbps(size, relayed), 2)}x relay`,
      target: '>= 0.9x direct',
      met: s3Rate >= 0.9 * mbps(size, direct),
    },
  ];
}
