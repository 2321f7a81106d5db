// S3 backend (AWS or any S3-compatible server through TROVE_S3_ENDPOINT).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomBytes } from 'node:crypto';
import contentDisposition from 'content-disposition';
import { Readable, Transform } from 'node:stream';
import { type ByteRange, type MultipartUploads, type ObjectInfo, type ObjectStore, StorageError, type UploadedPart } from './object-store';

export interface S3Settings {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface S3Limits {
  /** Largest object put or copied in one request: S3 refuses PutObject and CopyObject above 5 GiB. */
  maxSingleBytes: number;
  /** Smallest part of a multipart upload or copy; parts grow so that at most 10,000 hold the object. */
  partBytes: number;
}

export const S3_DEFAULT_LIMITS: S3Limits = { maxSingleBytes: 5 * 1024 ** 3, partBytes: 16 * 1024 ** 2 };
const MAX_PARTS = 10_000;
/** S3's largest part (of an upload or a copy). */
const MAX_PART_BYTES = 5 * 1024 ** 3;

/** A part size that fits `size` into at most 10,000 parts, never below `minimum`. */
export function partSizeFor(size: number, minimum: number): number {
  return Math.min(MAX_PART_BYTES, Math.max(minimum, Math.ceil(size / MAX_PARTS)));
}

/**
 * Passes `expected` bytes through and fails on more or fewer: a PUT with a declared Content-Length would
 * otherwise wait for bytes that never come. Errors of the source are forwarded so the request is aborted.
 */
function exactLength(expected: number, source: Readable): Transform {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > expected) callback(new StorageError(`the body is longer than the announced ${expected} bytes`, 'IncompleteBody'));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(seen === expected ? null : new StorageError(`the body ended after ${seen} of ${expected} bytes`, 'IncompleteBody'));
    },
  });
  source.once('error', (error) => guard.destroy(error));
  return guard;
}

export function parseS3Root(root: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(root);
  if (!match) throw new StorageError(`"${root}" is not an s3://bucket/prefix root`, 'InvalidRoot');
  const prefix = match[2]!.replace(/\/+$/, '');
  return { bucket: match[1]!, prefix: prefix ? `${prefix}/` : '' };
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region ?? 'us-east-1',
    credentials: settings.credentials,
    forcePathStyle: Boolean(settings.endpoint),
    // The SDK's default streaming checksums corrupt or are refused by S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function storageErrorFrom(error: unknown, action: string, key: string): StorageError {
  if (error instanceof StorageError) return error;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata?.httpStatusCode;
    const reason = error.message && error.message !== 'UnknownError' ? error.message : `HTTP ${status}`;
    return new StorageError(`could not ${action} "${key}": ${error.name}: ${reason}`, error.name, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name ?? 'S3Error';
  return new StorageError(`could not ${action} "${key}": ${(error as Error).message}`, code, { cause: error });
}

export class S3ObjectStore implements ObjectStore {
  readonly kind = 'S3' as const;
  readonly bucket: string;
  readonly prefix: string;

  constructor(
    readonly root: string,
    readonly client: S3Client,
    private readonly limits: S3Limits = S3_DEFAULT_LIMITS,
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Root(root));
  }

  private objectKey(key: string): string {
    return this.prefix + key;
  }

  locationOf(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  async put(key: string, body: Readable | Buffer, options: { contentLength?: number; signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    const written = (size: number, etag: string | undefined): ObjectInfo => ({ key, size, etag: etag?.replaceAll('"', '') });
    try {
      if (Buffer.isBuffer(body)) {
        const response = await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: body }), {
          abortSignal: options.signal,
        });
        return written(body.length, response.ETag);
      }
      if (options.contentLength !== undefined && options.contentLength <= this.limits.maxSingleBytes) {
        return written(options.contentLength, await this.putKnownLength(key, body, options.contentLength, options.signal));
      }
      let size = 0;
      body.on('data', (chunk: Buffer) => (size += chunk.length));
      // Parts sized to the object when its length is known; otherwise the minimum, which caps the object at
      // 10,000 parts (156 GiB with 16 MiB parts): send a length with large uploads.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: this.objectKey(key), Body: body, ContentLength: options.contentLength },
        partSize: options.contentLength !== undefined ? partSizeFor(options.contentLength, this.limits.partBytes) : this.limits.partBytes,
        queueSize: 4,
        leavePartsOnError: false,
      });
      options.signal?.addEventListener('abort', () => void upload.abort(), { once: true });
      const done = await upload.done();
      return written(size, 'ETag' in done ? done.ETag : undefined);
    } catch (error) {
      throw storageErrorFrom(error, 'write', key);
    }
  }

  /**
   * One streaming PUT: no part buffers in memory and one write on the server (multipart costs a reassembly). Returns
   * the object's ETag.
   */
  private async putKnownLength(key: string, body: Readable, contentLength: number, signal?: AbortSignal): Promise<string | undefined> {
    // The SDK pipes the body, which does not forward errors, so a failing body aborts the request itself.
    const bodyFailed = new AbortController();
    let bodyError: unknown;
    const guard = body.pipe(exactLength(contentLength, body));
    guard.once('error', (error) => {
      bodyError = error;
      bodyFailed.abort();
    });
    try {
      const response = await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: guard, ContentLength: contentLength }), {
        abortSignal: signal ? AbortSignal.any([signal, bodyFailed.signal]) : bodyFailed.signal,
      });
      return response.ETag;
    } catch (error) {
      throw bodyError ?? error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return response.Body as Readable;
    } catch (error) {
      throw storageErrorFrom(error, 'read', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: Number(response.ContentLength ?? 0), etag: response.ETag?.replaceAll('"', ''), lastModified: response.LastModified };
    } catch (error) {
      const status = (error as S3ServiceException).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return undefined;
      throw storageErrorFrom(error, 'inspect', key);
    }
  }

  private copySource(key: string): string {
    return `${this.bucket}/${encodeURIComponent(this.objectKey(key)).replaceAll('%2F', '/')}`;
  }

  /** Server-side copy: one CopyObject up to the single-request limit, a multipart copy (UploadPartCopy) above it. */
  async copy(fromKey: string, toKey: string, options: { size?: number; signal?: AbortSignal } = {}): Promise<void> {
    try {
      const size = options.size ?? (await this.head(fromKey))?.size;
      if (size !== undefined && size > this.limits.maxSingleBytes) {
        await this.multipartCopy(fromKey, toKey, size, options.signal);
        return;
      }
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), CopySource: this.copySource(fromKey) }), {
        abortSignal: options.signal,
      });
    } catch (error) {
      throw storageErrorFrom(error, 'copy', fromKey);
    }
  }

  private async multipartCopy(fromKey: string, toKey: string, size: number, signal?: AbortSignal): Promise<void> {
    const partSize = partSizeFor(size, this.limits.partBytes);
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(toKey) }), { abortSignal: signal });
    let copyNotImplemented = false;
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, number = 1; start < size; start += partSize, number++) {
        const end = Math.min(size, start + partSize) - 1;
        const copied = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: this.objectKey(toKey),
            UploadId,
            PartNumber: number,
            CopySource: this.copySource(fromKey),
            CopySourceRange: `bytes=${start}-${end}`,
          }),
          { abortSignal: signal },
        );
        parts.push({ PartNumber: number, ETag: copied.CopyPartResult!.ETag! });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), UploadId, MultipartUpload: { Parts: parts } }),
        { abortSignal: signal },
      );
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), UploadId })).catch(() => undefined);
      copyNotImplemented = (error as Error).name === 'NotImplemented';
      if (!copyNotImplemented) throw error;
    }
    // Some S3-compatible servers (s3rver) have no UploadPartCopy: the bytes pass through Trove instead, in parts.
    if (copyNotImplemented) await this.put(toKey, await this.get(fromKey), { contentLength: size, signal });
  }

  /** Copy, then delete the source; a source that cannot be deleted stays behind, unowned, for the sweep. */
  async move(fromKey: string, toKey: string, options: { size?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.copy(fromKey, toKey, options);
    await this.delete(fromKey).catch(() => undefined);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      throw storageErrorFrom(error, 'delete', key);
    }
  }

  readonly listsInOrder = true;

  async *list(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ObjectInfo> {
    try {
      const startAfter = options.startAfter !== undefined ? this.objectKey(options.startAfter) : undefined;
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.objectKey(prefix), StartAfter: startAfter })) {
        for (const item of page.Contents ?? []) {
          yield { key: item.Key!.slice(this.prefix.length), size: Number(item.Size ?? 0), etag: item.ETag?.replaceAll('"', ''), lastModified: item.LastModified };
        }
      }
    } catch (error) {
      throw storageErrorFrom(error, 'list', prefix);
    }
  }

  async presignGet(key: string, expiresInSeconds: number, fileName?: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentDisposition: fileName ? contentDisposition(fileName) : undefined,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  async check(): Promise<void> {
    const probe = `.trove/health-${randomBytes(4).toString('hex')}`;
    await this.put(probe, Buffer.from('ok'));
    await this.delete(probe);
  }

  readonly multipart: MultipartUploads = {
    start: async (key) => {
      try {
        const response = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
        return response.UploadId!;
      } catch (error) {
        throw storageErrorFrom(error, 'start a multipart upload of', key);
      }
    },
    presignPart: (key, multipartId, partNumber, expiresInSeconds) =>
      getSignedUrl(this.client, new UploadPartCommand({ Bucket: this.bucket, Key: this.objectKey(key), UploadId: multipartId, PartNumber: partNumber }), {
        expiresIn: expiresInSeconds,
      }),
    listParts: async (key, multipartId) => {
      const parts: UploadedPart[] = [];
      try {
        // Paged by hand: the SDK paginator loops forever on servers (Swift) that repeat the same marker.
        let marker: string | undefined;
        for (;;) {
          const page = await this.client.send(
            new ListPartsCommand({ Bucket: this.bucket, Key: this.objectKey(key), UploadId: multipartId, PartNumberMarker: marker }),
          );
          for (const part of page.Parts ?? []) parts.push({ number: part.PartNumber!, etag: part.ETag!.replaceAll('"', ''), size: Number(part.Size ?? 0) });
          const next = page.NextPartNumberMarker;
          if (!page.IsTruncated || !next || next === marker) break;
          marker = next;
        }
      } catch (error) {
        throw storageErrorFrom(error, 'list the parts of', key);
      }
      return parts;
    },
    complete: async (key, multipartId, parts) => {
      try {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: this.objectKey(key),
            UploadId: multipartId,
            MultipartUpload: { Parts: [...parts].sort((a, b) => a.number - b.number).map((part) => ({ PartNumber: part.number, ETag: `"${part.etag.replaceAll('"', '')}"` })) },
          }),
        );
      } catch (error) {
        throw storageErrorFrom(error, 'complete the multipart upload of', key);
      }
    },
    abort: async (key, multipartId) => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key), UploadId: multipartId }));
      } catch (error) {
        throw storageErrorFrom(error, 'abort the multipart upload of', key);
      }
    },
  };
}
