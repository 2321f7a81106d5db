// Streaming routes beside GraphQL: PUT /uploads/:uploadId (bytes of an upload session) and
// GET /download/:uid (signed, with HTTP Range support). Neither buffers a file in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import contentDisposition from 'content-disposition';
import type { TroveServices } from '../context';
import type { Artifact, Storage } from '../db/generated/client';
import { hasRole } from '../domain/access';
import { StorageFailedError, TroveError } from '../domain/errors';
import { receiveUpload } from '../domain/artifacts/uploads';
import { downloadFileName, folderFiles } from '../domain/artifacts/lookup';
import { keyProblem } from '../storage/keys';
import { type ByteRange, isRefusedPathCode, StorageError } from '../storage/object-store';
import { AuthenticationError, type Authenticator, credentialsOfRequest } from './authenticate';
import { downloadTargetOf } from './signing';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A refused body is still read (and thrown away) up to this much, so that a client still sending sees the answer. */
const DRAIN_LIMIT_BYTES = 256 * 1024 * 1024;
const DRAIN_LIMIT_MS = 30_000;

/**
 * Answers a request before reading its body (too large, no length, no room, no rights), then drains the body,
 * bounded in bytes and time: closing at once would reset the connection under a client still sending, and fetch
 * (graphql-request, the SDK) would report EPIPE instead of this answer.
 */
export function refuseUnread(request: IncomingMessage, response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  let drained = 0;
  const cutOff = () => request.destroy();
  const timer = setTimeout(cutOff, DRAIN_LIMIT_MS);
  timer.unref();
  request.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) cutOff();
  });
  request.once('close', () => clearTimeout(timer));
  sendJson(response, status, body, headers);
}

function sendError(response: ServerResponse, error: unknown, services: TroveServices): void {
  const storageCode = error instanceof StorageError || error instanceof StorageFailedError ? error.storageCode : undefined;
  if (isRefusedPathCode(storageCode)) {
    sendJson(response, 403, { code: 'PATH_REFUSED', message: (error as Error).message });
    return;
  }
  if (error instanceof TroveError) {
    const status = error.code === 'NOT_FOUND' ? 404 : error.code === 'STORAGE_ERROR' ? 502 : 400;
    sendJson(response, status, { code: error.code, message: error.message });
    return;
  }
  services.log.error({ err: error }, 'file route failed');
  sendJson(response, 500, { code: 'INTERNAL', message: 'Unexpected error.' });
}

/** One `bytes=` range of a file of `size` bytes; undefined for none, 'unsatisfiable' for a bad one. */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined | 'unsatisfiable' {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (!match[1] && !match[2])) return 'unsatisfiable';
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

/** Uploads need the write role, as the GraphQL mutations that save artifacts do. */
async function uploadRefusal(authenticator: Authenticator, request: IncomingMessage): Promise<{ status: number; code: string; message: string } | undefined> {
  try {
    const viewer = await authenticator.viewerFor(credentialsOfRequest(request));
    if (hasRole(viewer, 'WRITE')) return undefined;
    if (viewer.role === null) return { status: 401, code: 'UNAUTHENTICATED', message: 'uploads need a token with the write role: send it as "Authorization: Bearer <token>"' };
    return { status: 403, code: 'FORBIDDEN', message: `uploads need the write role; your token has the ${viewer.role.toLowerCase()} role` };
  } catch (error) {
    if (error instanceof AuthenticationError) return { status: 401, code: error.code, message: error.message };
    throw error;
  }
}

export async function handleUpload(services: TroveServices, authenticator: Authenticator, uploadId: string, url: URL, request: IncomingMessage, response: ServerResponse) {
  const refusal = await uploadRefusal(authenticator, request);
  if (refusal) {
    refuseUnread(request, response, refusal.status, { code: refusal.code, message: refusal.message });
    return;
  }
  const length = request.headers['content-length'];
  const abort = new AbortController();
  request.once('aborted', () => abort.abort());
  try {
    const session = await receiveUpload(services, uploadId, request, {
      contentLength: length !== undefined ? Number(length) : undefined,
      signal: abort.signal,
      file: url.searchParams.get('file') ?? undefined,
      archive: url.searchParams.get('archive') === 'tar',
    });
    sendJson(response, 200, { uploadId, status: session.status, size: Number(session.size), hash: session.hash, hashType: session.hashType, filesReceived: session.filesReceived, nFiles: session.nFiles });
  } catch (error) {
    // A fully read request counts as destroyed too; only a closed response means the client has gone.
    if (!response.headersSent && !response.destroyed) sendError(response, error, services);
  }
}

export async function handleDownload(services: TroveServices, uid: string, url: URL, request: IncomingMessage, response: ServerResponse) {
  // What is served (the object, a file of a folder, the folder's archive) is part of what was signed.
  const verdict = services.signer.verifyDownload(uid, url.searchParams);
  if (verdict !== 'ok') {
    sendJson(response, 403, { code: verdict === 'expired' ? 'URL_EXPIRED' : 'BAD_SIGNATURE', message: `this download URL is ${verdict}; ask for a new one (downloadUrl, archiveUrl)` });
    return;
  }
  const { file, archive } = downloadTargetOf(url.searchParams);
  const artifact = await services.db.artifact.findUnique({ where: { uid }, include: { storage: true } });
  if (!artifact || artifact.storageOngoing) {
    sendJson(response, 404, { code: 'NOT_FOUND', message: artifact ? `artifact ${uid} is still being stored` : `no artifact with uid ${uid}` });
    return;
  }
  if (archive) return sendFolderArchive(services, artifact, response);
  let objectKey = artifact.storageKey;
  let size = Number(artifact.size ?? 0);
  let fileName = downloadFileName(artifact);
  if (file !== undefined) {
    const info = artifact.nFiles !== null && !keyProblem(file) ? await services.stores.storeFor(artifact.storage.root).head(`${artifact.storageKey}/${file}`).catch(() => undefined) : undefined;
    if (!info) {
      sendJson(response, 404, { code: 'NOT_FOUND', message: `artifact ${uid} has no file "${file}"` });
      return;
    }
    objectKey = info.key;
    size = info.size;
    fileName = file.split('/').pop()!;
  }
  const range = parseRange(request.headers.range, size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'content-range': `bytes */${size}` });
    response.end();
    return;
  }
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    // RFC 6266/5987: any key (日本語/データ.csv, café.txt) gives a valid header with an ASCII fallback.
    'content-disposition': contentDisposition(fileName),
    'x-content-type-options': 'nosniff',
    'content-length': range ? range.end - range.start + 1 : size,
  };
  // The artifact's hash names its content; a file of a folder has no hash of its own.
  if (file === undefined) headers.etag = `"${artifact.hash}"`;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
  try {
    const body = request.method === 'HEAD' || size === 0 ? undefined : await services.stores.storeFor(artifact.storage.root).get(objectKey, range);
    response.writeHead(range ? 206 : 200, headers);
    if (!body) return void response.end();
    await pipeline(body, response);
  } catch (error) {
    if (!response.headersSent) sendError(response, error, services);
    else response.destroy(error as Error);
  }
}

/**
 * A whole folder artifact as one tar stream (GET /download/{uid}?archive=tar with its signature): one request instead
 * of one per file, each file read from the storage in turn, so memory stays bounded whatever the folder's size.
 */
async function sendFolderArchive(services: TroveServices, artifact: Artifact & { storage: Storage }, response: ServerResponse): Promise<void> {
  if (artifact.nFiles === null) {
    sendJson(response, 404, { code: 'NOT_FOUND', message: `artifact ${artifact.uid} is not a folder` });
    return;
  }
  const store = services.stores.storeFor(artifact.storage.root);
  let files;
  try {
    files = await folderFiles(services.stores, artifact);
  } catch (error) {
    return sendError(response, error, services);
  }
  // A folder's suffix (".zarr") stays in the archive's name: plate.zarr.tar.
  const name = downloadFileName(artifact);
  response.writeHead(200, {
    'content-type': 'application/x-tar',
    'content-disposition': contentDisposition(`${name}.tar`),
    'x-content-type-options': 'nosniff',
    'x-trove-files': String(files.length),
  });
  const archive = tarPack();
  const sent = pipeline(archive, response);
  try {
    for (const file of files) {
      const entry = archive.entry({ name: file.path, size: file.size });
      await pipeline(await store.get(file.key), entry);
    }
    archive.finalize();
    await sent;
  } catch (error) {
    // The headers are out: a broken stream is the only way left to say the archive is incomplete.
    archive.destroy(error as Error);
    response.destroy(error as Error);
  }
}
