// LaminDB-compatible content hashes, computed while bytes stream past (one pass, bounded memory).
//  - up to 50 MiB: md5 of the content, base64url without padding (22 chars), type "md5";
//  - above: "sha1-fl" = sha1(sha1(first 50 MiB) + sha1(last 50 MiB)), base64url, first 22 chars;
//  - a folder: "md5-d" = md5 over the md5 digests of its files' hashes, sorted (lamindb-setup's hash_dir).
// sha1-fl ignores the middle of large files, so a full-content sha256 is kept beside it for safe dedup.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const HASH_CHUNK_SIZE = 50 * 1024 * 1024;
export const HASH_LENGTH = 22;

export interface ContentHash {
  size: number;
  hash: string;
  hashType: 'md5' | 'sha1-fl' | `md5-${number}` | 'md5-d';
  /** sha256 of the whole content (base64url) for sha1-fl hashes; null where the hash covers everything. */
  fullChecksum: string | null;
}

export function toBase64Url(digest: Buffer): string {
  return digest.toString('base64url');
}

/** Combines the two chunk digests as LaminDB does. */
export function sha1FirstLast(firstChunkSha1: Buffer, lastChunkSha1: Buffer): string {
  return toBase64Url(createHash('sha1').update(firstChunkSha1).update(lastChunkSha1).digest()).slice(0, HASH_LENGTH);
}

/** LaminDB's hash of content up to 50 MiB: its md5. */
function md5Hash(size: number, md5Digest: Buffer): ContentHash {
  return { size, hash: toBase64Url(md5Digest).slice(0, HASH_LENGTH), hashType: 'md5', fullChecksum: null };
}

/** LaminDB's hash of larger content (sha1 of its first and last 50 MiB), with our full-content sha256 beside it. */
function sha1FlHash(size: number, firstChunkSha1: Buffer, lastChunkSha1: Buffer, fullSha256: Buffer): ContentHash {
  return { size, hash: sha1FirstLast(firstChunkSha1, lastChunkSha1), hashType: 'sha1-fl', fullChecksum: toBase64Url(fullSha256) };
}

/**
 * Pass-through stream that hashes what flows through it. When the total size is known in advance the last
 * 50 MiB are hashed in the same pass; otherwise `result()` asks for them through `readTail`.
 */
export class HashingStream extends Transform {
  // Not named `size`: lib-storage takes a body's `size` property for its byte length.
  private hashedBytes = 0;
  private md5: Hash | null = createHash('md5');
  private readonly firstSha1 = createHash('sha1');
  private readonly lastSha1 = createHash('sha1');
  private readonly fullSha256 = createHash('sha256');
  private readonly tailStart: number | undefined;
  /** An announced size within md5's range needs md5 alone; more bytes than announced make `result()` refuse. */
  private readonly md5Only: boolean;

  constructor(readonly expectedSize?: number) {
    super();
    this.tailStart = expectedSize !== undefined && expectedSize > HASH_CHUNK_SIZE ? expectedSize - HASH_CHUNK_SIZE : undefined;
    this.md5Only = expectedSize !== undefined && expectedSize <= HASH_CHUNK_SIZE;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const start = this.hashedBytes;
    const end = start + chunk.length;
    if (this.md5Only && end <= HASH_CHUNK_SIZE) {
      this.md5!.update(chunk);
      this.hashedBytes = end;
      callback(null, chunk);
      return;
    }
    if (start < HASH_CHUNK_SIZE) this.firstSha1.update(chunk.subarray(0, Math.min(chunk.length, HASH_CHUNK_SIZE - start)));
    if (this.md5) {
      if (end <= HASH_CHUNK_SIZE) this.md5.update(chunk);
      else this.md5 = null; // too large for md5: LaminDB switches to sha1-fl
    }
    if (this.tailStart !== undefined && end > this.tailStart) this.lastSha1.update(chunk.subarray(Math.max(0, this.tailStart - start)));
    this.fullSha256.update(chunk);
    this.hashedBytes = end;
    callback(null, chunk);
  }

  get bytesSeen(): number {
    return this.hashedBytes;
  }

  /** The content hash; `readTail(start)` must return the digest-able bytes from `start` to the end. */
  async result(readTail?: (start: number) => Promise<AsyncIterable<Buffer>>): Promise<ContentHash> {
    if (this.hashedBytes <= HASH_CHUNK_SIZE) {
      return md5Hash(this.hashedBytes, (this.md5 ?? createHash('md5')).digest());
    }
    if (this.md5Only) throw new Error(`${this.hashedBytes} bytes arrived where ${this.expectedSize} were announced: not hashed as a larger file`);
    let lastDigest: Buffer;
    if (this.tailStart === this.hashedBytes - HASH_CHUNK_SIZE) {
      lastDigest = this.lastSha1.digest();
    } else {
      if (!readTail) throw new Error('the last 50 MiB are needed to hash a file of unannounced size');
      const tail = createHash('sha1');
      for await (const chunk of await readTail(this.hashedBytes - HASH_CHUNK_SIZE)) tail.update(chunk);
      lastDigest = tail.digest();
    }
    return sha1FlHash(this.hashedBytes, this.firstSha1.digest(), lastDigest, this.fullSha256.digest());
  }
}

/**
 * lamindb-setup's hash_from_hashes_list, the hash of a folder: md5 over the concatenated md5 digests of its files'
 * hashes in sorted order, base64url, 22 characters. File names do not enter it, as in LaminDB.
 */
export function folderHash(fileHashes: Iterable<string>): string {
  const digests = [...fileHashes].sort().map((hash) => createHash('md5').update(hash, 'utf8').digest());
  return toBase64Url(createHash('md5').update(Buffer.concat(digests)).digest()).slice(0, HASH_LENGTH);
}

/**
 * Hash of an in-memory buffer (inline content, small uploads), computed directly: a batch hashes thousands, and a
 * stream per buffer with four digests (where md5 alone decides up to 50 MiB) cost more than the hashing itself.
 */
export async function hashBuffer(content: Buffer): Promise<ContentHash> {
  const size = content.length;
  if (size <= HASH_CHUNK_SIZE) return md5Hash(size, createHash('md5').update(content).digest());
  const first = createHash('sha1').update(content.subarray(0, HASH_CHUNK_SIZE)).digest();
  const last = createHash('sha1').update(content.subarray(size - HASH_CHUNK_SIZE)).digest();
  return sha1FlHash(size, first, last, createHash('sha256').update(content).digest());
}

/** LaminDB's hash of an S3 object from its ETag: md5 for single-part uploads, `md5-N` for N-part uploads. */
export function hashFromEtag(etag: string, size: number): ContentHash | undefined {
  const match = /^([0-9a-f]{32})(?:-(\d+))?$/.exec(etag.replaceAll('"', ''));
  if (!match) return undefined;
  const hash = toBase64Url(Buffer.from(match[1]!, 'hex')).slice(0, HASH_LENGTH);
  return { size, hash, hashType: match[2] ? `md5-${Number(match[2])}` : 'md5', fullChecksum: null };
}
