// Folder uploads: a session declares the folder's files (path and size), each file is sent on its own (PUT
// /uploads/{id}?file=path) or many in a tar (?archive=tar), in any order, in parallel, again after a dropped
// connection, and createArtifact commits the folder at once: its promotions (one per file, into the folder's key)
// are owed work of one commit, so the folder appears whole or, after a failure or a crash, not at all
// (recovery/folder-recovery.ts).
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { extract as tarExtract } from 'tar-stream';
import type { Storage, UploadSession } from '../../db/generated/client';
import { folderHash } from '../../storage/hashing';
import { ancestorsOf, keyProblem } from '../../storage/keys';
import type { ObjectStore } from '../../storage/object-store';
import { InvalidInputError, NotFoundError, StorageFailedError } from '../errors';
import { runBounded } from '../bounded';
import type { Tx } from '../locks';
import type { PreviousFields } from './previous-fields';
import type { Fingerprint, OwedWork } from './protocol';
import type { ArtifactServices } from './services';
import { newUploadId, type StagedContent, stageBuffer, stageStream } from './staging';

export interface DeclaredFile {
  /** Path inside the folder, "/"-separated ("images/0001.tif"). */
  path: string;
  size: number;
}

/** Checks declared files: valid relative paths, no file that is also a folder of another, sizes in bytes. */
export function validateDeclaredFiles(files: DeclaredFile[], field: string, known: Set<string> = new Set()): void {
  if (!files.length) throw new InvalidInputError('a folder upload declares at least one file', field);
  const paths = new Set(known);
  for (const [index, file] of files.entries()) {
    const problem = keyProblem(file.path);
    if (problem) throw new InvalidInputError(`invalid file path "${file.path}": ${problem}`, `${field}.${index}.path`);
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw new InvalidInputError('size must be a non-negative integer number of bytes', `${field}.${index}.size`);
    if (paths.has(file.path)) throw new InvalidInputError(`"${file.path}" is declared twice`, `${field}.${index}.path`);
    paths.add(file.path);
  }
  // "a" and "a/b" cannot both be files of one folder, whichever was declared first.
  const folders = new Set([...paths].flatMap(ancestorsOf));
  for (const [index, file] of files.entries()) {
    const fileAbove = ancestorsOf(file.path).find((folder) => paths.has(folder));
    if (fileAbove) throw new InvalidInputError(`"${file.path}" is inside "${fileAbove}", which is declared as a file`, `${field}.${index}.path`);
    if (folders.has(file.path)) throw new InvalidInputError(`"${file.path}" is declared as a file and as a folder of other files`, `${field}.${index}.path`);
  }
}

/** The most files one folder upload may declare (what one commit transaction records comfortably). */
export const MAX_FOLDER_FILES = 200_000;

/** Declares more files of an open folder upload (a folder larger than one request's list carries). */
export async function addUploadFiles(services: ArtifactServices, uploadId: string, files: DeclaredFile[]): Promise<UploadSession> {
  const { db } = services;
  const session = await db.uploadSession.findUnique({ where: { uploadId } });
  if (!session) throw new NotFoundError('upload', `id ${uploadId}`);
  if (session.nFiles === null) throw new InvalidInputError(`upload ${uploadId} is a single file; files are added to folder uploads only`, 'uploadId');
  if (session.expiresAt < new Date()) throw new InvalidInputError(`upload ${uploadId} expired; create a new one`, 'uploadId');
  if (session.nFiles + files.length > MAX_FOLDER_FILES) throw new InvalidInputError(`a folder upload holds at most ${MAX_FOLDER_FILES} files`, 'files');
  return db.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM "UploadSession" WHERE id = ${session.id} FOR UPDATE`;
    if (current?.status !== 'OPEN' && current?.status !== 'RECEIVED') throw new InvalidInputError(`upload ${uploadId} was already ${current?.status.toLowerCase()}`, 'uploadId');
    const declared = await tx.uploadFile.findMany({ where: { uploadId: session.id }, select: { path: true } });
    validateDeclaredFiles(files, 'files', new Set(declared.map((file) => file.path)));
    await tx.uploadFile.createMany({ data: files.map((file) => ({ uploadId: session.id, path: file.path, expectedSize: BigInt(file.size) })) });
    return tx.uploadSession.update({
      where: { id: session.id },
      data: { status: 'OPEN', nFiles: { increment: files.length }, hash: null, size: null, hashType: null },
    });
  });
}

/** A file's bytes staged for a folder upload, not yet recorded. */
interface Arrival {
  fileId: number;
  staged: StagedContent;
}

/**
 * Receives one file of a folder upload into a staging object of its own. When the last missing file arrives, the
 * session is RECEIVED with the folder's size and md5-d hash (LaminDB's hash_dir over the files' hashes); a file
 * sent again replaces its earlier bytes and the folder's hash is computed again.
 */
export async function receiveFolderFile(
  services: ArtifactServices,
  session: UploadSession & { storage: Storage },
  path: string,
  body: Readable,
  options: { contentLength?: number; signal?: AbortSignal },
): Promise<UploadSession> {
  const [file] = keyProblem(path) ? [] : await declaredFiles(services, session.id, [path]);
  if (!file) throw new InvalidInputError(`upload ${session.uploadId} declares no file "${path}"`, 'file');
  if (options.contentLength !== undefined && options.contentLength !== file.expectedSize) {
    throw new InvalidInputError(`"${path}" was declared with ${file.expectedSize} bytes but the request carries ${options.contentLength}`, 'size');
  }
  const staged = await stageFile(services, session, file, body, options.signal);
  return recordArrivals(services, session, [{ fileId: file.id, staged }]);
}

/**
 * Receives many files of a folder upload in one request, as a tar stream (what the SDK sends for small files: one
 * request and one statement for hundreds of files). Each entry must be a declared file with its declared size; the
 * batch is recorded only when all of it arrived, so a dropped connection keeps none of it.
 */
export async function receiveFolderArchive(services: ArtifactServices, session: UploadSession & { storage: Storage }, body: Readable, signal?: AbortSignal): Promise<UploadSession> {
  const received: { name: string; staged: StagedContent }[] = [];
  const store = services.stores.storeFor(session.storage.root);
  const extractor = tarExtract();
  body.once('error', (error) => extractor.destroy(error));
  body.pipe(extractor);
  const discard = () => runBounded(received.length, 8, (index) => store.delete(received[index]!.staged.stagingKey!).catch(() => undefined));
  let arrivals: Arrival[];
  try {
    for await (const entry of extractor) {
      const { name, size, type } = entry.header;
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type !== 'file' || keyProblem(name) || size === undefined) throw new InvalidInputError(`the archive entry "${name}" is not a file of this folder`, 'file');
      // Small files (what archives are for) are hashed and written in one go; larger ones are streamed.
      const key = `${session.stagingKey}/${newUploadId()}`;
      const staged =
        size <= IN_MEMORY_FILE_BYTES
          ? await stageBuffer(session.storage, store, await buffer(entry), key)
          : await stageStream(session.storage, store, Readable.from(entry), { expectedSize: size, key, signal });
      received.push({ name, staged });
    }
    if (!received.length) throw new InvalidInputError('the archive holds no file', 'file');
    // One lookup for the whole batch: every entry must be a declared file with its declared size.
    const declared = new Map((await declaredFiles(services, session.id, received.map((entry) => entry.name))).map((file) => [file.path, file]));
    arrivals = received.map(({ name, staged }): Arrival => {
      const file = declared.get(name);
      if (!file) throw new InvalidInputError(`upload ${session.uploadId} declares no file "${name}" (archives carry declared files only)`, 'file');
      if (staged.size !== file.expectedSize) throw new InvalidInputError(`"${name}" was declared with ${file.expectedSize} bytes but the archive carries ${staged.size}`, 'size');
      return { fileId: file.id, staged };
    });
    if (new Set(arrivals.map((arrival) => arrival.fileId)).size !== arrivals.length) throw new InvalidInputError('the archive carries a file twice', 'file');
  } catch (error) {
    extractor.destroy();
    await discard();
    if (error instanceof InvalidInputError || error instanceof StorageFailedError) throw error;
    throw new InvalidInputError(`the archive could not be read: ${(error as Error).message}`, 'file');
  }
  return recordArrivals(services, session, arrivals);
}

/** Archive entries up to this size are read into memory, hashed and written in one call. */
const IN_MEMORY_FILE_BYTES = 1024 * 1024;

interface DeclaredRow {
  id: number;
  path: string;
  expectedSize: number;
}

async function declaredFiles(services: ArtifactServices, sessionId: number, paths: string[]): Promise<DeclaredRow[]> {
  const rows = await services.db.$queryRaw<{ id: number; path: string; expectedSize: bigint }[]>`
    SELECT id, path, "expectedSize" FROM "UploadFile" WHERE "uploadId" = ${sessionId} AND path = ANY(${paths}::text[])`;
  return rows.map((row) => ({ id: row.id, path: row.path, expectedSize: Number(row.expectedSize) }));
}

function stageFile(services: ArtifactServices, session: UploadSession & { storage: Storage }, file: DeclaredRow, body: Readable, signal?: AbortSignal): Promise<StagedContent> {
  return stageStream(session.storage, services.stores.storeFor(session.storage.root), body, {
    expectedSize: file.expectedSize,
    key: `${session.stagingKey}/${file.id}.${newUploadId().slice(0, 8)}`,
    signal,
  });
}

/**
 * One statement for a batch of arrivals (thousands of small files arrive): the files switch to their new bytes only
 * while the session takes bytes (its row locked, so a commit claiming it waits or is waited for); the session counts
 * first arrivals, and the folder's hash is unknown again until completeFolder says it.
 */
async function recordArrivals(services: ArtifactServices, session: UploadSession & { storage: Storage }, arrivals: Arrival[]): Promise<UploadSession> {
  const { db } = services;
  const store = services.stores.storeFor(session.storage.root);
  await services.faults.reach('upload.afterStage', { key: arrivals[0]!.staged.stagingKey! });
  const column = <T>(pick: (arrival: Arrival) => T) => arrivals.map(pick);
  const [switched] = await db.$queryRaw<{ replaced: string[] | null; filesReceived: number; nFiles: number }[]>`
    WITH session AS (
      SELECT id FROM "UploadSession" WHERE id = ${session.id} AND status IN ('OPEN', 'RECEIVED') FOR UPDATE
    ), incoming AS (
      SELECT * FROM unnest(${column((arrival) => arrival.fileId)}::int[], ${column((arrival) => arrival.staged.stagingKey)}::text[],
        ${column((arrival) => BigInt(arrival.staged.size))}::bigint[], ${column((arrival) => arrival.staged.hash)}::text[],
        ${column((arrival) => arrival.staged.hashType)}::text[], ${column((arrival) => JSON.stringify(arrival.staged.fingerprint))}::text[])
        AS incoming(id, staging_key, size, hash, hash_type, staged)
    ), before AS (
      SELECT file.id, file."stagingKey", file.hash FROM "UploadFile" AS file
      WHERE file.id IN (SELECT id FROM incoming) AND file."uploadId" = ${session.id} AND EXISTS (SELECT 1 FROM session)
      ORDER BY file.id FOR UPDATE
    ), switched AS (
      UPDATE "UploadFile" AS file SET "stagingKey" = incoming.staging_key, size = incoming.size, hash = incoming.hash,
        "hashType" = incoming.hash_type, staged = incoming.staged::jsonb
      FROM before JOIN incoming ON incoming.id = before.id WHERE file.id = before.id
      RETURNING before."stagingKey" AS replaced, before.hash IS NULL AS first
    ), counted AS (
      SELECT count(*) AS switched, count(*) FILTER (WHERE first) AS arrivals, array_agg(replaced) FILTER (WHERE replaced IS NOT NULL) AS replaced FROM switched
    )
    UPDATE "UploadSession" AS upload SET "filesReceived" = upload."filesReceived" + counted.arrivals::int,
      status = 'OPEN', size = NULL, hash = NULL, "hashType" = NULL
    FROM counted WHERE upload.id = ${session.id} AND counted.switched > 0
    RETURNING counted.replaced, upload."filesReceived", upload."nFiles"`;
  if (!switched) {
    await runBounded(arrivals.length, 8, (index) => store.delete(arrivals[index]!.staged.stagingKey!).catch(() => undefined));
    throw new InvalidInputError(`upload ${session.uploadId} was committed or expired while these files arrived; their bytes were not kept`, 'uploadId');
  }
  if (switched.filesReceived === switched.nFiles) await completeFolder(services, session.id);
  const replaced = switched.replaced ?? [];
  await runBounded(replaced.length, 8, (index) => store.delete(replaced[index]!).catch(() => undefined));
  services.observer?.uploadReceived(arrivals.reduce((sum, arrival) => sum + arrival.staged.size, 0));
  return db.uploadSession.findUniqueOrThrow({ where: { id: session.id } });
}

/**
 * Every declared file has arrived: the session says the folder's size and md5-d hash. Under the session's lock, and
 * only while every file is still there (a file sent again, or more files declared, meanwhile compute it again).
 */
async function completeFolder(services: ArtifactServices, sessionId: number): Promise<void> {
  await services.db.$transaction(async (tx) => {
    const [session] = await tx.$queryRaw<UploadSession[]>`SELECT * FROM "UploadSession" WHERE id = ${sessionId} AND status IN ('OPEN', 'RECEIVED') FOR UPDATE`;
    if (!session || session.filesReceived !== session.nFiles) return;
    const [folder] = await tx.$queryRaw<{ size: bigint; hashes: string[] }[]>`
      SELECT coalesce(sum(size), 0)::bigint AS size, array_agg(hash) AS hashes FROM "UploadFile" WHERE "uploadId" = ${sessionId}`;
    await tx.uploadSession.update({
      where: { id: sessionId },
      data: { status: 'RECEIVED', size: folder!.size, hash: folderHash(folder!.hashes), hashType: 'md5-d', fullChecksum: null },
    });
  });
}

/** Paths declared but not received yet (to resume a folder upload), in path order. */
export async function missingFiles(services: Pick<ArtifactServices, 'db'>, sessionId: number, first: number): Promise<string[]> {
  const rows = await services.db.uploadFile.findMany({ where: { uploadId: sessionId, hash: null }, orderBy: { path: 'asc' }, take: first, select: { path: true } });
  return rows.map((row) => row.path);
}

/** Inside the commit transaction, with the session claimed: one promotion per file into the folder's key. */
export async function folderPromotions(tx: Tx, sessionId: number, storageId: number, artifactId: number, folderKey: string, previous?: PreviousFields): Promise<OwedWork[]> {
  const files = await tx.uploadFile.findMany({ where: { uploadId: sessionId }, orderBy: { id: 'asc' } });
  return files.map((file) => ({
    kind: 'PROMOTE',
    storageId,
    artifactId,
    fromKey: file.stagingKey!,
    toKey: `${folderKey}/${file.path}`,
    // The file's own hash travels with its promotion: recovery tells a file already in place from another by it.
    expected: { ...(file.staged as unknown as Fingerprint), hash: file.hash! },
    previous,
  }));
}

/** Deletes the staged files of a folder upload that will not be promoted. */
export async function discardFolderStaging(store: ObjectStore, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(`${prefix}/`)) keys.push(object.key);
  await runBounded(keys.length, 8, async (index) => store.delete(keys[index]!).catch(() => undefined));
}
