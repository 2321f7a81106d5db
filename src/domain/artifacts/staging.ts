// Step 1 of the save protocol: stream bytes to a staging key in the target storage, hashing them in the same
// pass. Nothing here touches the database; a failure deletes the staging object and leaves no trace.
import { pipeline, Readable } from 'node:stream';
import type { Storage } from '../../db/generated/client';
import { hashObject } from '../../storage/hash-object';
import { type ContentHash, folderHash, hashBuffer, hashFromEtag, HashingStream } from '../../storage/hashing';
import { stagingKey } from '../../storage/keys';
import { isRefusedPathCode, type ObjectInfo, type ObjectStore, StorageError } from '../../storage/object-store';
import { runBounded } from '../bounded';
import { InvalidInputError, StorageFailedError } from '../errors';
import { randomBase62 } from '../uid';
import { discardFolderStaging } from './folder-uploads';
import { type Fingerprint, fingerprintOf } from './protocol';

/** Content whose bytes are in a storage, hashed, and ready to be committed. */
export interface StagedContent extends ContentHash {
  storage: Storage;
  store: ObjectStore;
  /** Where the bytes wait; null when the content is an object registered in place. */
  stagingKey: string | null;
  /** Key of an object registered in place (a `path` inside a storage root). */
  registeredKey?: string;
  /** What the staged object looked like right after it was hashed; checked again before it is published. */
  fingerprint?: Fingerprint;
  /** A folder: how many files it holds (its `key` is their common prefix). */
  nFiles?: number;
  /** A folder upload: its files wait under `stagingKey/`, one promotion each (folder-uploads.ts). */
  folderUploadId?: number;
  /**
   * The uid a first version saved from these bytes gets: they were written straight to its key (a local save under a
   * write intent, in-place.ts; an S3 upload, uploads.ts).
   */
  reservedUid?: string;
}

export function storageFailure(error: unknown, root: string): StorageFailedError {
  if (error instanceof StorageFailedError) return error;
  if (error instanceof StorageError) {
    return new StorageFailedError(error.storageCode, `storage ${root}: ${error.message}`, { cause: error });
  }
  const message = (error as Error).message ?? String(error);
  return new StorageFailedError('StorageError', `storage ${root}: ${message}`, { cause: error });
}

export function newUploadId(): string {
  return randomBase62(22);
}

/**
 * Streams `body` to a fresh staging key. `expectedSize`, when the client announced one, lets the last 50 MiB be
 * hashed in the same pass and turns a short stream (a dropped connection) into an error.
 */
export async function stageStream(
  storage: Storage,
  store: ObjectStore,
  body: Readable,
  options: { expectedSize?: number; key?: string; signal?: AbortSignal; fresh?: boolean } = {},
): Promise<StagedContent> {
  const key = options.key ?? stagingKey(newUploadId());
  const hasher = new HashingStream(options.expectedSize);
  // stream.pipeline hands any failure of the body (a client gone, even before this point) to the hasher, so the
  // store's write fails instead of waiting forever; the outcome that counts is the store's.
  const hashed = pipeline(body, hasher, () => undefined);
  try {
    const written = await store.put(key, hashed, { contentLength: options.expectedSize, signal: options.signal, fresh: options.fresh });
    if (options.expectedSize !== undefined && hasher.bytesSeen !== options.expectedSize) throw wrongLength(hasher.bytesSeen, options.expectedSize);
    const content = await hasher.result(async (start) => store.get(key, { start, end: hasher.bytesSeen - 1 }));
    return { ...content, storage, store, stagingKey: key, fingerprint: await stagedFingerprint(store, written, content.size) };
  } catch (error) {
    await store.delete(key).catch(() => undefined);
    if (error instanceof InvalidInputError) throw error;
    // A body that ended cleanly but short is the sender's mistake (S3 stores refuse it while writing).
    if (options.expectedSize !== undefined && body.readableEnded && hasher.bytesSeen !== options.expectedSize) {
      throw wrongLength(hasher.bytesSeen, options.expectedSize);
    }
    throw storageFailure(error, storage.root);
  }
}

/**
 * What the staged object looks like, as the store reported it when it was written (looked at again when that report
 * lacks an etag or a modification time); a store that holds another size failed the write.
 */
async function stagedFingerprint(store: ObjectStore, written: ObjectInfo, sent: number): Promise<Fingerprint> {
  const info = written.etag !== undefined || written.lastModified !== undefined ? written : await store.head(written.key);
  if (!info || info.size !== sent) throw new StorageFailedError('SizeMismatch', `the staged object has ${info?.size ?? 'no'} bytes, ${sent} were sent`);
  return fingerprintOf(info);
}

function wrongLength(received: number, announced: number): InvalidInputError {
  return new InvalidInputError(`the upload ended after ${received} of ${announced} bytes; send the whole file again`, 'size');
}

/** Inline content: hashed in memory and written in one call (no stream per input: a batch stages thousands). */
export async function stageBuffer(storage: Storage, store: ObjectStore, content: Buffer, key = stagingKey(newUploadId()), fresh = false): Promise<StagedContent> {
  try {
    const hash = await hashBuffer(content);
    const written = await store.put(key, content, { fresh });
    return { ...hash, storage, store, stagingKey: key, fingerprint: await stagedFingerprint(store, written, content.length) };
  } catch (error) {
    await store.delete(key).catch(() => undefined);
    throw storageFailure(error, storage.root);
  }
}

/** An object already inside a storage root, registered without copying (LaminDB's `path` in a storage). */
export async function describeRegisteredObject(storage: Storage, store: ObjectStore, key: string): Promise<StagedContent> {
  let info;
  try {
    info = await store.head(key);
  } catch (error) {
    if (error instanceof StorageError && isRefusedPathCode(error.storageCode)) {
      throw new InvalidInputError(`cannot register "${key}": ${error.message}`, 'path');
    }
    throw storageFailure(error, storage.root);
  }
  if (!info) {
    const folder = await describeFolder(store, key).catch((error: unknown) => {
      throw storageFailure(error, storage.root);
    });
    if (!folder) throw new InvalidInputError(`no object or folder at "${key}" in storage ${storage.root}`, 'path');
    return { ...folder, storage, store, stagingKey: null, registeredKey: key };
  }
  const fromEtag = info.etag ? hashFromEtag(info.etag, info.size) : undefined;
  if (fromEtag) return { ...fromEtag, storage, store, stagingKey: null, registeredKey: key };
  // Local files (and ETag-less objects) are read once to hash them.
  try {
    return { ...(await hashObject(store, key, info.size)), storage, store, stagingKey: null, registeredKey: key };
  } catch (error) {
    throw storageFailure(error, storage.root);
  }
}

/** How many files are hashed at a time when a folder is registered. */
const PARALLEL_HASHES = 8;

/**
 * A folder registered in place (LaminDB's Artifact of a directory): every object under `key/`, each hashed as LaminDB
 * does (from its ETag on S3, by reading it elsewhere), then the folder's md5-d over those hashes. Undefined when
 * nothing is under `key/`.
 */
async function describeFolder(store: ObjectStore, key: string): Promise<(ContentHash & { nFiles: number }) | undefined> {
  const files: ObjectInfo[] = [];
  for await (const object of store.list(`${key}/`)) files.push(object);
  return files.length ? folderContent(store, files) : undefined;
}

/** The md5-d hash, size and file count of a folder's `files` (as listed). */
export async function folderContent(store: ObjectStore, files: ObjectInfo[]): Promise<ContentHash & { nFiles: number }> {
  const hashes = new Array<string>(files.length);
  await runBounded(files.length, PARALLEL_HASHES, async (index) => {
    const file = files[index]!;
    const fromEtag = file.etag ? hashFromEtag(file.etag, file.size) : undefined;
    hashes[index] = (fromEtag ?? (await hashObject(store, file.key, file.size))).hash;
  });
  const size = files.reduce((total, file) => total + file.size, 0);
  return { size, hash: folderHash(hashes), hashType: 'md5-d', fullChecksum: null, nFiles: files.length };
}

/** Whether a target key holds an object already, or for a folder, any object under it. */
export async function holdsAnything(store: ObjectStore, key: string, folder: boolean): Promise<boolean> {
  if ((await store.head(key).catch(() => undefined)) !== undefined) return true;
  if (!folder) return false;
  for await (const _ of store.list(`${key}/`)) return true;
  return false;
}

/** Drops staged bytes that will not be committed (duplicate content, a failed commit). */
export async function discardStaged(staged: StagedContent): Promise<void> {
  if (staged.folderUploadId !== undefined) await discardFolderStaging(staged.store, staged.stagingKey!).catch(() => undefined);
  else if (staged.stagingKey) await staged.store.delete(staged.stagingKey).catch(() => undefined);
}
