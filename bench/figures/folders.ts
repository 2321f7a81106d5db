// F1u: a folder of 10,000 files (1 KiB each) uploaded from a client through the SDK (trove save dir/: files declared
// in one upload session, sent 8 at a time, committed at once), beside cp -r of the same folder.
// F1us: a folder of 2,000 such files (BENCH_FOLDER_S3_FILES) uploaded the same way to S3 (s3rver), beside PutObject of
// each file straight to the same s3rver, eight at a time.
// F1: the same folder registered in place as one artifact (LaminDB's directory artifact, md5-d),
// beside hashing the same files in this process; then the whole folder downloaded through the SDK (one tar stream,
// archiveUrl) beside copying it with cp -r. The server's peak RSS is read from /proc.
// Size: BENCH_FOLDER_FILES (default 10,000; BENCH_QUICK: 300).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { promisify } from 'node:util';
import { TroveClient } from '../../src/client/trove-client';
import { startS3rver } from '../lib/s3rver';
import { type BenchServices, type FigureRow, fixed, graphql, pooled, QUICK } from '../lib/services';

const run = promisify(execFile);
const FILES = Number(process.env.BENCH_FOLDER_FILES ?? (QUICK ? 300 : 10_000));

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) * 1024;
}

/** lamindb-setup's hash_dir of `folder`, computed here independently (the baseline's work). */
async function hashDir(folder: string): Promise<string> {
  const hashes: string[] = [];
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) hashes.push(createHash('md5').update(await readFile(path.join(entry.parentPath, entry.name))).digest('base64url').slice(0, 22));
  }
  const digests = Buffer.concat(hashes.sort().map((hash) => createHash('md5').update(hash).digest()));
  return createHash('md5').update(digests).digest('base64url').slice(0, 22);
}

export async function folderFigures(services: BenchServices): Promise<FigureRow[]> {
  const storageRoot = path.join(services.workDir, 'folder-storage');
  const folder = path.join(storageRoot, 'screens', 'plate.zarr');
  // 100 files per directory, as chunked array stores lay them out.
  for (let index = 0; index < FILES; index++) {
    const directory = path.join(folder, String(Math.floor(index / 100)));
    if (index % 100 === 0) await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, String(index % 100)), Buffer.alloc(1024, index % 251));
  }

  let started = performance.now();
  const expected = await hashDir(folder);
  const baselineMs = performance.now() - started;

  const server = await services.trove(await services.database('bench_folders'), { TROVE_STORAGE: storageRoot });
  await graphql(server.url, `mutation { createArtifact(input: { content: "warm-up", description: "warm-up" }) { __typename } }`);
  const client = new TroveClient(server.url);
  started = performance.now();
  let sentAt = 0;
  const uploaded = await client.saveFile(folder, { key: 'uploaded/plate.zarr' }, { onPhase: () => (sentAt = performance.now()) });
  const uploadMs = performance.now() - started;
  const commitMs = performance.now() - sentAt;
  if (uploaded.artifact.hash !== expected || uploaded.artifact.nFiles !== FILES) throw new Error(`folder upload answered ${JSON.stringify(uploaded.artifact)}; expected hash ${expected}`);
  const uploadPeak = await peakRss(server.child.pid!);

  started = performance.now();
  const registered = await graphql(server.url, `mutation($path: String!) { createArtifact(input: { path: $path }) {
    __typename ... on ArtifactPayload { artifact { uid hash nFiles } } ... on Error { message } } }`, { path: folder });
  const registerMs = performance.now() - started;
  const artifact = registered.createArtifact?.artifact;
  if (!artifact || artifact.hash !== expected || artifact.nFiles !== FILES) throw new Error(`folder registration answered ${JSON.stringify(registered)}; expected hash ${expected}`);

  const target = path.join(services.workDir, 'folder-download');
  started = performance.now();
  await client.download({ uid: artifact.uid }, target);
  const downloadMs = performance.now() - started;
  const peak = await peakRss(server.child.pid!);
  await server.stop();
  started = performance.now();
  await run('cp', ['-r', folder, path.join(services.workDir, 'folder-copy')]);
  const copyMs = performance.now() - started;

  const s3 = await s3FolderFigure(services, folder);

  const perSecond = (ms: number) => `${fixed(FILES / (ms / 1000))} files/s`;
  return [
    {
      id: 'F1u',
      what: `upload a folder of ${fixed(FILES)} x 1 KiB files through the SDK (trove save dir/), local storage`,
      trove: `${fixed(uploadMs / 1000, 2)} s (commit ${fixed(commitMs / 1000, 2)} s), ${perSecond(uploadMs)} (server peak RSS ${fixed(uploadPeak / 2 ** 20)} MiB)`,
      baseline: `cp -r of the folder: ${fixed(copyMs / 1000, 2)} s`,
      ratio: `${fixed(copyMs / uploadMs, 3)}x`,
      target: '-',
      met: null,
    },
    s3,
    {
      id: 'F1',
      what: `register a folder of ${fixed(FILES)} x 1 KiB files in place (md5-d), local storage`,
      trove: `${fixed(registerMs / 1000, 2)} s, ${perSecond(registerMs)} (server peak RSS ${fixed(peak / 2 ** 20)} MiB)`,
      baseline: `hash_dir of the same files in one process: ${fixed(baselineMs / 1000, 2)} s`,
      ratio: `${fixed(baselineMs / registerMs, 2)}x`,
      target: '-',
      met: null,
    },
    {
      id: 'F1d',
      what: 'download that folder through the SDK (trove get: one tar stream)',
      trove: `${fixed(downloadMs / 1000, 2)} s, ${perSecond(downloadMs)}`,
      baseline: `cp -r of the folder: ${fixed(copyMs / 1000, 2)} s`,
      ratio: `${fixed(copyMs / downloadMs, 3)}x`,
      target: '-',
      met: null,
    },
  ];
}

const S3_FILES = Number(process.env.BENCH_FOLDER_S3_FILES ?? (QUICK ? 100 : 2_000));

/** F1us: the first S3_FILES files of `folder` as a folder of their own, uploaded to s3rver through Trove and directly. */
async function s3FolderFigure(services: BenchServices, folder: string): Promise<FigureRow> {
  const subset = path.join(services.workDir, 'folder-s3', 'plate.zarr');
  const files: string[] = [];
  for (let index = 0; index < Math.min(S3_FILES, FILES); index++) {
    const relative = path.join(String(Math.floor(index / 100)), String(index % 100));
    if (index % 100 === 0) await mkdir(path.join(subset, String(Math.floor(index / 100))), { recursive: true });
    await copyFile(path.join(folder, relative), path.join(subset, relative));
    files.push(relative);
  }
  const s3rver = await startS3rver(services, 's3rver-folders');
  try {
    const { s3 } = s3rver;
    let started = performance.now();
    await pooled(files.length, 8, async (index) =>
      s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `direct/plate.zarr/${files[index]}`, Body: await readFile(path.join(subset, files[index]!)) })),
    );
    const directMs = performance.now() - started;
    const server = await services.trove(await services.database('bench_folders_s3'), s3rver.troveEnv);
    try {
      const client = new TroveClient(server.url);
      await client.createArtifact({ content: 'warm-up', description: 'warm-up' });
      started = performance.now();
      const saved = await client.saveFile(subset, { key: 'uploaded/plate.zarr' });
      const uploadMs = performance.now() - started;
      if (saved.artifact.nFiles !== files.length) throw new Error(`the S3 folder upload answered ${JSON.stringify(saved.artifact)}`);
      const peak = await peakRss(server.child.pid!);
      return {
        id: 'F1us',
        what: `upload a folder of ${fixed(files.length)} x 1 KiB files through the SDK to S3 (s3rver)`,
        trove: `${fixed(uploadMs / 1000, 2)} s, ${fixed(files.length / (uploadMs / 1000))} files/s (server peak RSS ${fixed(peak / 2 ** 20)} MiB)`,
        baseline: `PutObject of each file, 8 at a time: ${fixed(directMs / 1000, 2)} s`,
        ratio: `${fixed(directMs / uploadMs, 2)}x`,
        target: '-',
        met: null,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await s3rver.stop();
  }
}
