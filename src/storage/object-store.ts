// The bytes side of Trove: one interface over a local folder and an S3 bucket prefix.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** S3 ETag without quotes (`md5hex` or `md5hex-N`); absent for local files. */
  etag?: string;
  lastModified?: Date;
}

export interface ByteRange {
  start: number;
  /** Inclusive, as in HTTP Range. */
  end: number;
}

export interface ObjectStore {
  readonly kind: 'LOCAL' | 'S3';
  /** The storage root as registered: an absolute path or s3://bucket/prefix. */
  readonly root: string;
  /**
   * Streams `body` to `key`; returns what was written as the store reports it (size, and the etag or modification
   * time a later look would see), so that a caller needs no HEAD to fingerprint it. `fresh`: the key is new and nobody
   * reads it before the write is done (an in-place publish, which its write intent covers), so a local store writes it
   * directly, refusing an existing file, instead of through a temporary file renamed over it.
   */
  put(key: string, body: Readable | Buffer, options?: { contentLength?: number; signal?: AbortSignal; fresh?: boolean }): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Copies within the store; for promotion of staged objects use `move`. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /**
   * Moves an object (rename where the backend can; copy, then delete of the source, otherwise: a source that cannot
   * be deleted stays behind, unowned, for the sweep). `size`, when known, spares a HEAD before a large copy.
   */
  move(fromKey: string, toKey: string, options?: { size?: number; signal?: AbortSignal }): Promise<void>;
  /** Deletes `key`; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Objects whose key starts with `prefix`; with `startAfter`, only keys after it. Stores with `listsInOrder` list in
   * key order (S3's byte order), so a page can stop early; others in no particular order.
   */
  list(prefix: string, options?: { startAfter?: string }): AsyncIterable<ObjectInfo>;
  readonly listsInOrder?: boolean;
  /** Full location of `key`, e.g. for `Artifact.path`. */
  locationOf(key: string): string;
  /** A time-limited URL that downloads `key` directly, where the backend can sign one. */
  presignGet?(key: string, expiresInSeconds: number, fileName?: string): Promise<string>;
  /** Throws when the store cannot be reached or written. */
  check(): Promise<void>;
  /** Direct multipart uploads from clients (S3 only). */
  multipart?: MultipartUploads;
}

export interface UploadedPart {
  number: number;
  etag: string;
  size?: number;
}

/** S3 multipart uploads whose parts clients send straight to the bucket with presigned URLs. */
export interface MultipartUploads {
  start(key: string): Promise<string>;
  presignPart(key: string, multipartId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  /** Parts the bucket holds so far (S3 ListParts); lets a client resume after a dropped connection. */
  listParts(key: string, multipartId: string): Promise<UploadedPart[]>;
  complete(key: string, multipartId: string, parts: UploadedPart[]): Promise<void>;
  abort(key: string, multipartId: string): Promise<void>;
}

export class StorageError extends Error {
  constructor(
    message: string,
    /** The storage's own error code, e.g. `AccessDenied`, `InvalidAccessKeyId`, `ENOENT`. */
    readonly storageCode: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** Storage codes of paths a store refuses to touch: symbolic links, protected Trove files, keys leaving the root. */
const REFUSED_PATH_CODES = new Set(['SymbolicLink', 'ProtectedPath', 'InvalidKey']);

export function isRefusedPathCode(storageCode: string | undefined): boolean {
  return storageCode !== undefined && REFUSED_PATH_CODES.has(storageCode);
}
