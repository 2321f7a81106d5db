// Saving a local folder as one artifact: declare its files in an upload session, send them a few requests at a time
// (small files in tar batches of at most 8 MiB, large ones streamed on their own, so memory stays bounded whatever
// the folder), then commit the folder at once.
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { GraphQLClient } from 'graphql-request';
import { pack as tarPack } from 'tar-stream';
import { runBounded } from '../domain/bounded';
import { AddUploadFilesDocument, CreateUploadDocument, UploadProgressDocument } from './generated/graphql';
import { TroveClientError, unwrap } from './results';

/** Requests sent at a time. */
const PARALLEL_REQUESTS = 4;
/** Files up to this size travel in tar batches of up to BATCH_FILES files and BATCH_BYTES bytes. */
const SMALL_FILE_BYTES = 1024 * 1024;
const BATCH_FILES = 500;
const BATCH_BYTES = 8 * 1024 * 1024;
/** Files declared per request (the server's default TROVE_MAX_LIST_LENGTH). */
const DECLARE_BATCH = 10_000;
/** Attempts per file: a dropped connection or a busy server is retried. */
const ATTEMPTS = 4;

export interface LocalFile {
  /** Path inside the folder, "/"-separated. */
  path: string;
  size: number;
}

/** Every regular file under `directory` (symbolic links followed, as LaminDB's hash_dir does), in path order. */
export async function listFolder(directory: string): Promise<LocalFile[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const files: LocalFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const absolute = path.join(entry.parentPath ?? entry.path, entry.name);
    const info = await stat(absolute);
    if (!info.isFile()) continue;
    files.push({ path: path.relative(directory, absolute).split(path.sep).join('/'), size: info.size });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The requests that carry `files`: each large file alone, small files in batches. */
function inRequests(files: LocalFile[]): LocalFile[][] {
  const requests: LocalFile[][] = [];
  let batch: LocalFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (file.size > SMALL_FILE_BYTES) {
      requests.push([file]);
      continue;
    }
    if (batch.length >= BATCH_FILES || bytes + file.size > BATCH_BYTES) {
      requests.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(file);
    bytes += file.size;
  }
  if (batch.length) requests.push(batch);
  return requests;
}

export interface FolderUploadOptions {
  storageUid?: string | null;
  /** Resume this folder upload: only the files it has not received are sent. */
  uploadId?: string;
  onProgress?: (bytes: number, total: number) => void;
  /** Told the upload's id before any file is sent (what a resume needs). */
  onPhase?: (phase: string) => void;
}

/**
 * Sends the files of `directory` through a folder upload session and returns its id, ready for
 * createArtifact({ uploadId }). Bytes are counted over the whole folder (one progress bar).
 */
export async function uploadFolder(graphql: GraphQLClient, authHeaders: Record<string, string>, directory: string, options: FolderUploadOptions = {}): Promise<string> {
  const files = await listFolder(directory);
  if (!files.length) throw new TroveClientError('INVALID_INPUT', `${directory} holds no file; an empty folder is not an artifact`);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let sent = 0;
  // Small files travel in tar batches, large ones on their own; a few requests at a time.
  const sendAll = async (url: string, files: LocalFile[]) => {
    const requests = inRequests(files);
    await runBounded(requests.length, PARALLEL_REQUESTS, async (index) => {
      const request = requests[index]!;
      if (request.length === 1 && request[0]!.size > SMALL_FILE_BYTES) {
        await sendFile(`${url}?file=${encodeURIComponent(request[0]!.path)}`, authHeaders, path.join(directory, ...request[0]!.path.split('/')), request[0]!.size);
      } else {
        await sendArchive(url, authHeaders, directory, request);
      }
      sent += request.reduce((sum, file) => sum + file.size, 0);
      options.onProgress?.(sent, total);
    });
  };

  if (options.uploadId) {
    // Resuming: the session names what it still misses, a page at a time in path order.
    const byPath = new Map(files.map((file) => [file.path, file]));
    for (;;) {
      const upload = (await graphql.request(UploadProgressDocument, { uploadId: options.uploadId, first: DECLARE_BATCH })).upload;
      if (!upload) throw new TroveClientError('NOT_FOUND', `no upload with id ${options.uploadId}`);
      if (upload.nFiles !== files.length) throw new TroveClientError('INVALID_INPUT', `upload ${options.uploadId} declared ${upload.nFiles ?? 'no'} files; ${directory} holds ${files.length}`);
      if (!upload.missingFiles.length) return options.uploadId;
      const batch = upload.missingFiles.map((missing) => byPath.get(missing));
      if (batch.some((file) => !file)) throw new TroveClientError('INVALID_INPUT', `upload ${options.uploadId} expects files that ${directory} does not hold`);
      if (sent === 0 && batch.length < DECLARE_BATCH) sent = total - batch.reduce((sum, file) => sum + file!.size, 0);
      await sendAll(upload.url, batch as LocalFile[]);
    }
  }
  const created = unwrap(
    (await graphql.request(CreateUploadDocument, { input: { fileName: path.basename(path.resolve(directory)), storageUid: options.storageUid, files: files.slice(0, DECLARE_BATCH) } }))
      .createUpload,
    'CreateUploadPayload',
  );
  const { uploadId, url } = created.upload;
  for (let start = DECLARE_BATCH; start < files.length; start += DECLARE_BATCH) {
    unwrap((await graphql.request(AddUploadFilesDocument, { input: { uploadId, files: files.slice(start, start + DECLARE_BATCH) } })).addUploadFiles, 'AddUploadFilesPayload');
  }
  options.onPhase?.(`sending ${files.length} files as upload ${uploadId} (if interrupted: --resume ${uploadId})`);
  options.onProgress?.(0, total);
  try {
    await sendAll(url, files);
  } catch (error) {
    // What arrived stays with the upload: say how to send only the rest.
    if (error instanceof TroveClientError) throw new TroveClientError(error.code, `${error.message} (files received so far are kept: resume with --resume ${uploadId})`);
    throw error;
  }
  return uploadId;
}

/** Sends one file on its own (a large one), streamed from disk. */
function sendFile(url: string, authHeaders: Record<string, string>, filePath: string, size: number): Promise<void> {
  return sendWithRetries(`${filePath}`, () =>
    fetch(url, {
      method: 'PUT',
      headers: { ...authHeaders, 'content-length': String(size), 'content-type': 'application/octet-stream' },
      body: createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit),
  );
}

/** Sends many small files in one request, as a tar stream: one request and one database statement for the batch. */
async function sendArchive(url: string, authHeaders: Record<string, string>, directory: string, files: LocalFile[]): Promise<void> {
  const contents = await Promise.all(files.map((file) => readFile(path.join(directory, ...file.path.split('/')))));
  contents.forEach((content, index) => {
    if (content.length !== files[index]!.size) throw new TroveClientError('INVALID_INPUT', `${files[index]!.path} changed while the folder was being sent; save it again`);
  });
  const pack = tarPack();
  files.forEach((file, index) => pack.entry({ name: file.path, size: contents[index]!.length }, contents[index]!));
  pack.finalize();
  // The batch is small (BATCH_BYTES): built in memory, sent with its length.
  const archive = await buffer(pack);
  await sendWithRetries(`${files.length} files of ${directory}`, () =>
    fetch(`${url}?archive=tar`, {
      method: 'PUT',
      headers: { ...authHeaders, 'content-type': 'application/x-tar', 'content-length': String(archive.length) },
      body: archive,
    }),
  );
}

/** Runs a PUT, again after a dropped connection or a busy server (503); a refusal says what to fix and is thrown. */
async function sendWithRetries(what: string, put: () => Promise<Response>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let failure: TroveClientError;
    try {
      const response = await put();
      if (response.ok) {
        await response.arrayBuffer();
        return;
      }
      const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      failure = new TroveClientError(body.code ?? `HTTP_${response.status}`, body.message ?? `sending ${what} failed with HTTP ${response.status}`);
      if (response.status !== 503) throw failure;
    } catch (error) {
      if (error instanceof TroveClientError && error.code !== 'TOO_MANY_UPLOADS') throw error;
      failure = error instanceof TroveClientError ? error : new TroveClientError('UNREACHABLE', `sending ${what}: ${(error as Error).message}`);
    }
    if (attempt >= ATTEMPTS) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
  }
}
