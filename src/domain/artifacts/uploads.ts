// Upload sessions: large files are sent ahead (streamed through the gateway to a staging key, or on S3 to the key
// their artifact will have, hashed on the way) and committed later with createArtifact(input: { uploadId }). Memory
// stays bounded whatever the size.
import type { Readable } from 'node:stream';
import type { UploadSession } from '../../db/generated/client';
import { autoStorageKey, stagingKey } from '../../storage/keys';
import { canonicalSuffix } from '../../storage/suffix';
import { InvalidInputError, NotFoundError } from '../errors';
import { storageByUidOrDefault } from '../storages';
import type { ArtifactServices } from './services';
import { hashObject } from '../../storage/hash-object';
import type { ObjectStore, UploadedPart } from '../../storage/object-store';
import { SimulatedCrash } from '../fault-points';
import { fingerprintOf, type OwedWork, runProtocol, WriteIntent } from './protocol';
import { firstVersionUid } from './versions';
import { type DeclaredFile, MAX_FOLDER_FILES, receiveFolderArchive, receiveFolderFile, validateDeclaredFiles } from './folder-uploads';
import { newUploadId, stageStream, storageFailure } from './staging';

export const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface CreateUploadInput {
  storageUid?: string | null;
  /** Name of the file; its suffix becomes the artifact's suffix. */
  fileName?: string | null;
  /** Announced size in bytes: enables single-pass hashing and detects truncated uploads. */
  size?: number | null;
  /** S3 storages: the client sends parts straight to the bucket with presigned URLs (needs `size`). */
  direct?: boolean | null;
  /** Part size of a direct upload (default 16 MiB, at least 5 MiB). */
  partSize?: number | null;
  /** A folder upload: the files it will receive (more with addUploadFiles); `fileName` names the folder. */
  files?: DeclaredFile[] | null;
}

export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

export async function createUpload(services: ArtifactServices, input: CreateUploadInput): Promise<UploadSession> {
  const { db, user } = services;
  const storage = await storageByUidOrDefault(services.read, input.storageUid);
  if (!storage) throw new InvalidInputError(`no storage with uid ${input.storageUid}`, 'input.storageUid');
  if (input.size != null && (!Number.isSafeInteger(input.size) || input.size < 0)) {
    throw new InvalidInputError('size must be a non-negative integer number of bytes', 'input.size');
  }
  if (input.fileName != null && (input.fileName.length > 255 || /[\\/\0]/.test(input.fileName))) {
    throw new InvalidInputError('fileName is a bare file name (no "/" or "\\", at most 255 characters)', 'input.fileName');
  }
  if (input.partSize != null && !input.direct) {
    throw new InvalidInputError('partSize applies to direct uploads only (direct: true)', 'input.partSize');
  }
  if (input.files) {
    if (input.direct || input.size != null) throw new InvalidInputError('a folder upload declares the size of each file, and its files go through the gateway (no direct or size)', 'input.files');
    validateDeclaredFiles(input.files, 'input.files');
    if (input.files.length > MAX_FOLDER_FILES) throw new InvalidInputError(`a folder upload holds at most ${MAX_FOLDER_FILES} files`, 'input.files');
  }
  const uploadId = newUploadId();
  let target: { key: string; reservedUid: string | null } = { key: stagingKey(uploadId), reservedUid: null };
  let multipart: { id: string; partSize: number } | undefined;
  if (input.direct) {
    const store = services.stores.storeFor(storage.root);
    if (!store.multipart) throw new InvalidInputError(`storage ${storage.root} is not S3: send the bytes to the upload url instead`, 'input.direct');
    if (input.size == null) throw new InvalidInputError('a direct upload needs the size of the file', 'input.size');
    const partSize = input.partSize ?? Math.max(DEFAULT_PART_SIZE, Math.ceil(input.size / MAX_PARTS));
    if (partSize < MIN_PART_SIZE || partCount(input.size, partSize) > MAX_PARTS) {
      throw new InvalidInputError(`partSize must be at least 5 MiB and give at most ${MAX_PARTS} parts`, 'input.partSize');
    }
    target = uploadTarget(store, input.fileName, target.key);
    try {
      multipart = { id: await store.multipart.start(target.key), partSize };
    } catch (error) {
      throw storageFailure(error, storage.root);
    }
  }
  const files = input.files;
  const session = await db.uploadSession.create({
    data: {
      nFiles: files?.length ?? null,
      files: files ? { createMany: { data: files.map((file) => ({ path: file.path, expectedSize: BigInt(file.size) })) } } : undefined,
      uploadId,
      storageId: storage.id,
      stagingKey: target.key,
      reservedUid: target.reservedUid,
      s3MultipartId: multipart?.id ?? null,
      partSize: multipart ? BigInt(multipart.partSize) : null,
      fileName: input.fileName ?? null,
      expectedSize: input.size != null ? BigInt(input.size) : null,
      createdById: user.id,
      expiresAt: new Date(Date.now() + UPLOAD_LIFETIME_MS),
    },
  });
  return session;
}

/**
 * Streams the bytes of an upload to an object of their own (each PUT gets one, so a PUT sent again never rewrites
 * bytes that were hashed or committed); a dropped connection leaves the session as it was, to retry. The session
 * switches to the new object only while it is not committed, and the object it had before is owed deletion of that
 * transaction.
 */
export async function receiveUpload(
  services: ArtifactServices,
  uploadId: string,
  body: Readable,
  options: { contentLength?: number; signal?: AbortSignal; file?: string; archive?: boolean } = {},
): Promise<UploadSession> {
  const { db, stores } = services;
  const session = await db.uploadSession.findUnique({ where: { uploadId }, include: { storage: true } });
  if (!session) throw new NotFoundError('upload', `id ${uploadId}`);
  if ((session.nFiles !== null) !== (options.file !== undefined || options.archive === true)) {
    throw new InvalidInputError(
      session.nFiles !== null
        ? `upload ${uploadId} is a folder: send each file to ?file=<its path>, or many at once as a tar to ?archive=tar`
        : `upload ${uploadId} is a single file: send it without ?file= or ?archive=`,
      'file',
    );
  }
  if (session.s3MultipartId) throw new InvalidInputError(`upload ${uploadId} is direct: send its parts to the presigned part URLs`, 'uploadId');
  if (session.status !== 'OPEN' && session.status !== 'RECEIVED') {
    throw new InvalidInputError(`upload ${uploadId} was already ${session.status.toLowerCase()}`, 'uploadId');
  }
  if (session.expiresAt < new Date()) throw new InvalidInputError(`upload ${uploadId} expired; create a new one`, 'uploadId');
  if (options.archive) return receiveFolderArchive(services, session, body, options.signal);
  if (options.file !== undefined) return receiveFolderFile(services, session, options.file, body, options);
  const announced = session.expectedSize != null ? Number(session.expectedSize) : undefined;
  if (announced !== undefined && options.contentLength !== undefined && announced !== options.contentLength) {
    throw new InvalidInputError(`this upload announced ${announced} bytes but the request carries ${options.contentLength}`, 'size');
  }
  const store = stores.storeFor(session.storage.root);
  const target = uploadTarget(store, session.fileName, `${stagingKey(uploadId)}.${newUploadId().slice(0, 8)}`);
  // A key outside the staging area is owned by nothing until the session takes it: recorded before any byte is sent.
  const intent = target.reservedUid ? await WriteIntent.record(services, store, session.storageId, target.key) : undefined;
  let staged;
  try {
    staged = await stageStream(session.storage, store, body, {
      expectedSize: announced ?? options.contentLength,
      key: target.key,
      signal: intent && options.signal ? AbortSignal.any([options.signal, intent.signal]) : (intent?.signal ?? options.signal),
    });
    await services.faults.reach('upload.afterStage', { key: staged.stagingKey! });
  } catch (error) {
    await (error instanceof SimulatedCrash ? intent?.stop() : intent?.abandon());
    throw error;
  }
  // The session takes the new object; the object it held before, if any, is owed deletion of the same transaction.
  const switched = await runProtocol<UploadSession | undefined>(services, {
    store,
    detail: { key: staged.stagingKey! },
    commit: async (tx) => {
      await intent?.drop(tx);
      const [current] = await tx.$queryRaw<{ status: string; stagingKey: string }[]>`
        SELECT status, "stagingKey" FROM "UploadSession" WHERE id = ${session.id} FOR UPDATE`;
      const unwanted = (key: string): OwedWork => ({ kind: 'DELETE', storageId: session.storageId, artifactId: null, fromKey: key });
      if (current?.status !== 'OPEN' && current?.status !== 'RECEIVED') return { value: undefined, owed: [unwanted(staged.stagingKey!)] };
      const updated = await tx.uploadSession.update({
        where: { id: session.id },
        data: {
          status: 'RECEIVED',
          stagingKey: staged.stagingKey!,
          reservedUid: target.reservedUid,
          size: BigInt(staged.size),
          hash: staged.hash,
          hashType: staged.hashType,
          fullChecksum: staged.fullChecksum,
          staged: { ...staged.fingerprint! },
        },
      });
      return { value: updated, owed: current.status === 'RECEIVED' && current.stagingKey !== staged.stagingKey ? [unwanted(current.stagingKey)] : [] };
    },
    onCommitFailed: async () => {
      if (intent) await intent.abandon();
      else await store.delete(staged.stagingKey!).catch(() => undefined);
    },
  });
  if (!switched.value) {
    throw new InvalidInputError(`upload ${uploadId} was committed while these bytes arrived; they were not kept (start a new upload to save other bytes)`, 'uploadId');
  }
  services.observer?.uploadReceived(staged.size);
  return switched.value;
}

/**
 * Where an upload's bytes go: on S3 straight to the key a first version saved from it will have (`.lamindb/{uid}`
 * with its uid reserved), so that the commit publishes them in place without a copy (one write per byte); on local
 * storage to a staging key, since the commit's rename costs nothing.
 */
function uploadTarget(store: ObjectStore, fileName: string | null | undefined, staging: string): { key: string; reservedUid: string | null } {
  if (store.kind !== 'S3') return { key: staging, reservedUid: null };
  const reservedUid = firstVersionUid();
  return { key: autoStorageKey(reservedUid, fileName ? canonicalSuffix(fileName) : ''), reservedUid };
}

/**
 * Completes a direct multipart upload: assembles the parts (listed by the bucket unless given), checks the size,
 * and hashes the object by streaming it back once.
 */
export async function completeDirectUpload(services: ArtifactServices, uploadId: string, parts?: UploadedPart[] | null): Promise<UploadSession> {
  const { db, stores } = services;
  const session = await db.uploadSession.findUnique({ where: { uploadId }, include: { storage: true } });
  if (!session) throw new NotFoundError('upload', `id ${uploadId}`);
  if (!session.s3MultipartId || session.expectedSize == null || session.partSize == null) {
    throw new InvalidInputError(`upload ${uploadId} is not a direct upload`, 'uploadId');
  }
  if (session.status !== 'OPEN') return session;
  const store = stores.storeFor(session.storage.root);
  const size = Number(session.expectedSize);
  const expectedParts = partCount(size, Number(session.partSize));
  try {
    const uploaded = parts ?? (await store.multipart!.listParts(session.stagingKey, session.s3MultipartId));
    const numbers = new Set(uploaded.map((part) => part.number));
    const missing = Array.from({ length: expectedParts }, (_, index) => index + 1).filter((number) => !numbers.has(number));
    if (missing.length) throw new InvalidInputError(`parts ${missing.join(', ')} of ${expectedParts} have not been uploaded`, 'parts');
    await store.multipart!.complete(session.stagingKey, session.s3MultipartId, uploaded);
    const info = await store.head(session.stagingKey);
    if (info?.size !== size) {
      await store.delete(session.stagingKey);
      throw new InvalidInputError(`the parts add up to ${info?.size ?? 0} bytes, not the announced ${size}; start a new upload`, 'parts');
    }
    const content = await hashObject(store, session.stagingKey, size);
    // Two completions of one upload: the first one's answer stands.
    await db.uploadSession.updateMany({
      where: { id: session.id, status: 'OPEN' },
      data: { status: 'RECEIVED', size: BigInt(content.size), hash: content.hash, hashType: content.hashType, fullChecksum: content.fullChecksum, staged: { ...fingerprintOf(info) } },
    });
    return db.uploadSession.findUniqueOrThrow({ where: { id: session.id } });
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw storageFailure(error, session.storage.root);
  }
}

export const PART_URL_LIFETIME_SECONDS = 24 * 60 * 60;

/** Where to PUT each part of a direct upload (presigned, valid 24 hours); none for uploads through the gateway. */
export async function uploadPartTargets(services: ArtifactServices, upload: UploadSession & { storage: { root: string } }) {
  if (!upload.s3MultipartId || upload.partSize == null || upload.expectedSize == null) return [];
  const store = services.stores.storeFor(upload.storage.root);
  const size = Number(upload.expectedSize);
  const partSize = Number(upload.partSize);
  return Promise.all(
    Array.from({ length: partCount(size, partSize) }, async (_, index) => ({
      number: index + 1,
      size: Math.min(partSize, size - index * partSize),
      url: await store.multipart!.presignPart(upload.stagingKey, upload.s3MultipartId!, index + 1, PART_URL_LIFETIME_SECONDS),
    })),
  );
}

/** The parts the bucket holds of a direct upload still open (S3 ListParts), to resume after a dropped connection. */
export async function receivedParts(services: ArtifactServices, upload: UploadSession & { storage: { root: string } }): Promise<UploadedPart[]> {
  if (!upload.s3MultipartId || upload.status !== 'OPEN') return [];
  try {
    return await services.stores.storeFor(upload.storage.root).multipart!.listParts(upload.stagingKey, upload.s3MultipartId);
  } catch (error) {
    throw storageFailure(error, upload.storage.root);
  }
}
