// Folder uploads: a session declares the folder's files (path and size), each file is sent on its own (PUT
// /uploads/{id}?file=path, in any order, in parallel, again after a dropped connection), and createArtifact commits
// the folder at once: its promotions (one per file, into the folder's key) are owed work of one commit, so the
// folder appears whole or, after a failure or a crash, not at all (recovery/folder-recovery.ts).
import type { Readable } from 'node:stream';
import type { Storage, UploadFile, UploadSession } from '../../db/generated/client';
import { folderHash } from '../../storage/hashing';
import { keyProblem, stagingKey } from '../../storage/keys';
import type { ObjectStore } from '../../storage/object-store';
import { InvalidInputError, NotFoundError } from '../errors';
import { runBounded } from '../bounded';
import type { Tx } from '../locks';
import type { Fingerprint, OwedWork } from './protocol';
import type { ArtifactServices } from './services';
import { newUploadId, stageStream } from './staging';

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
  // "a" and "a/b" cannot both be files of one folder.
  for (const [index, file] of files.entries()) {
    const segments = file.path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      if (paths.has(segments.slice(0, depth).join('/'))) {
        throw new InvalidInputError(`"${file.path}" is inside "${segments.slice(0, depth).join('/')}", which is declared as a file`, `${field}.${index}.path`);
      }
    }
  }
}

/** Declares more files of an open folder upload (a folder larger than one request's list carries). */
export async function addUploadFiles(services: ArtifactServices, uploadId: string, files: DeclaredFile[]): Promise<UploadSession> {
  const { db } = services;
  const session = await db.uploadSession.findUnique({ where: { uploadId } });
  if (!session) throw new NotFoundError('upload', `id ${uploadId}`);
  if (session.nFiles === null) throw new InvalidInputError(`upload ${uploadId} is a single file; files are added to folder uploads only`, 'uploadId');
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
  const { db, stores } = services;
  const file = keyProblem(path) ? null : await db.uploadFile.findUnique({ where: { uploadId_path: { uploadId: session.id, path } } });
  if (!file) throw new InvalidInputError(`upload ${session.uploadId} declares no file "${path}"`, 'file');
  const expectedSize = Number(file.expectedSize);
  if (options.contentLength !== undefined && options.contentLength !== expectedSize) {
    throw new InvalidInputError(`"${path}" was declared with ${expectedSize} bytes but the request carries ${options.contentLength}`, 'size');
  }
  const store = stores.storeFor(session.storage.root);
  const staged = await stageStream(session.storage, store, body, {
    expectedSize,
    key: `${session.stagingKey}/${file.id}.${newUploadId().slice(0, 8)}`,
    signal: options.signal,
  });
  await services.faults.reach('upload.afterStage', { key: staged.stagingKey! });
  const switched = await db.$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM "UploadSession" WHERE id = ${session.id} FOR UPDATE`;
    if (current?.status !== 'OPEN' && current?.status !== 'RECEIVED') return undefined;
    const [before] = await tx.$queryRaw<UploadFile[]>`SELECT * FROM "UploadFile" WHERE id = ${file.id} FOR UPDATE`;
    await tx.uploadFile.update({
      where: { id: file.id },
      data: { stagingKey: staged.stagingKey, size: BigInt(staged.size), hash: staged.hash, hashType: staged.hashType, staged: { ...staged.fingerprint! } },
    });
    const firstArrival = before?.hash == null;
    const updated = await tx.uploadSession.update({ where: { id: session.id }, data: firstArrival ? { filesReceived: { increment: 1 } } : {} });
    const complete = updated.filesReceived === updated.nFiles;
    return { updated: complete ? await markReceived(tx, updated) : updated, replaced: before?.stagingKey ?? undefined };
  });
  if (!switched) {
    await store.delete(staged.stagingKey!).catch(() => undefined);
    throw new InvalidInputError(`upload ${session.uploadId} was committed or expired while "${path}" arrived; these bytes were not kept`, 'uploadId');
  }
  if (switched.replaced) await store.delete(switched.replaced).catch(() => undefined);
  services.observer?.uploadReceived(staged.size);
  return switched.updated;
}

/** Every declared file has arrived: the session says the folder's size and md5-d hash. */
async function markReceived(tx: Tx, session: UploadSession): Promise<UploadSession> {
  const [folder] = await tx.$queryRaw<{ size: bigint; hashes: string[] }[]>`
    SELECT coalesce(sum(size), 0)::bigint AS size, array_agg(hash) AS hashes FROM "UploadFile" WHERE "uploadId" = ${session.id}`;
  return tx.uploadSession.update({
    where: { id: session.id },
    data: { status: 'RECEIVED', size: folder!.size, hash: folderHash(folder!.hashes), hashType: 'md5-d', fullChecksum: null },
  });
}

/** Paths declared but not received yet (to resume a folder upload), in path order. */
export async function missingFiles(services: Pick<ArtifactServices, 'db'>, sessionId: number, first: number): Promise<string[]> {
  const rows = await services.db.uploadFile.findMany({ where: { uploadId: sessionId, hash: null }, orderBy: { path: 'asc' }, take: first, select: { path: true } });
  return rows.map((row) => row.path);
}

/** A folder upload's staging prefix: its files wait under it, one object each. */
export function folderStagingKey(uploadId: string): string {
  return stagingKey(uploadId);
}

/** Inside the commit transaction, with the session claimed: one promotion per file into the folder's key. */
export async function folderPromotions(tx: Tx, sessionId: number, storageId: number, artifactId: number, folderKey: string): Promise<OwedWork[]> {
  const files = await tx.uploadFile.findMany({ where: { uploadId: sessionId }, orderBy: { id: 'asc' } });
  return files.map((file) => ({
    kind: 'PROMOTE',
    storageId,
    artifactId,
    fromKey: file.stagingKey!,
    toKey: `${folderKey}/${file.path}`,
    // The file's own hash travels with its promotion: recovery tells a file already in place from another by it.
    expected: { ...(file.staged as unknown as Fingerprint), hash: file.hash! },
  }));
}

/** Deletes the staged files of a folder upload that will not be promoted. */
export async function discardFolderStaging(store: ObjectStore, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const object of store.list(`${prefix}/`)) keys.push(object.key);
  await runBounded(keys.length, 8, async (index) => store.delete(keys[index]!).catch(() => undefined));
}
