// Upload sessions: large files are sent ahead (streamed through the gateway to a staging key, hashed on the
// way) and committed later with createArtifact(input: { uploadId }). Memory stays bounded whatever the size.
import type { Readable } from 'node:stream';
import type { UploadSession } from '../../db/generated/client';
import { stagingKey } from '../../storage/keys';
import { InvalidInputError, NotFoundError } from '../errors';
import type { ArtifactServices } from './services';
import { newUploadId, stageStream } from './staging';

export const UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface CreateUploadInput {
  storageUid?: string | null;
  /** Name of the file; its suffix becomes the artifact's suffix. */
  fileName?: string | null;
  /** Announced size in bytes: enables single-pass hashing and detects truncated uploads. */
  size?: number | null;
}

export async function createUpload(services: ArtifactServices, input: CreateUploadInput): Promise<UploadSession> {
  const { db, user } = services;
  const storage = input.storageUid
    ? await db.storage.findUnique({ where: { uid: input.storageUid } })
    : await db.storage.findFirst({ where: { isDefault: true } });
  if (!storage) throw new InvalidInputError(`no storage with uid ${input.storageUid}`, 'input.storageUid');
  if (input.size != null && (!Number.isSafeInteger(input.size) || input.size < 0)) {
    throw new InvalidInputError('size must be a non-negative integer number of bytes', 'input.size');
  }
  if (input.fileName != null && (input.fileName.length > 255 || /[\\/\0]/.test(input.fileName))) {
    throw new InvalidInputError('fileName is a bare file name (no "/" or "\\", at most 255 characters)', 'input.fileName');
  }
  const uploadId = newUploadId();
  return db.uploadSession.create({
    data: {
      uploadId,
      storageId: storage.id,
      stagingKey: stagingKey(uploadId),
      fileName: input.fileName ?? null,
      expectedSize: input.size != null ? BigInt(input.size) : null,
      createdById: user.id,
      expiresAt: new Date(Date.now() + UPLOAD_LIFETIME_MS),
    },
  });
}

/** Streams the bytes of an upload to its staging key; a dropped connection leaves the session OPEN to retry. */
export async function receiveUpload(
  services: ArtifactServices,
  uploadId: string,
  body: Readable,
  options: { contentLength?: number; signal?: AbortSignal } = {},
): Promise<UploadSession> {
  const { db, stores } = services;
  const session = await db.uploadSession.findUnique({ where: { uploadId }, include: { storage: true } });
  if (!session) throw new NotFoundError('upload', `id ${uploadId}`);
  if (session.status !== 'OPEN' && session.status !== 'RECEIVED') {
    throw new InvalidInputError(`upload ${uploadId} was already ${session.status.toLowerCase()}`, 'uploadId');
  }
  if (session.expiresAt < new Date()) throw new InvalidInputError(`upload ${uploadId} expired; create a new one`, 'uploadId');
  const announced = session.expectedSize != null ? Number(session.expectedSize) : undefined;
  if (announced !== undefined && options.contentLength !== undefined && announced !== options.contentLength) {
    throw new InvalidInputError(`this upload announced ${announced} bytes but the request carries ${options.contentLength}`, 'size');
  }
  const store = stores.storeFor(session.storage.root);
  const staged = await stageStream(session.storage, store, body, {
    expectedSize: announced ?? options.contentLength,
    key: session.stagingKey,
    signal: options.signal,
  });
  return db.uploadSession.update({
    where: { id: session.id },
    data: { status: 'RECEIVED', size: BigInt(staged.size), hash: staged.hash, hashType: staged.hashType, fullChecksum: staged.fullChecksum },
  });
}
