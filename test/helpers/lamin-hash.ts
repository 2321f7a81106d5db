// LaminDB's hash_file, computed independently on a whole buffer with Node's crypto: the reference the
// streaming hasher must match.
import { createHash } from 'node:crypto';
import { HASH_CHUNK_SIZE } from '../../src/storage/hashing';

export function laminHash(content: Buffer): string {
  if (content.length <= HASH_CHUNK_SIZE) return createHash('md5').update(content).digest('base64url').slice(0, 22);
  const first = createHash('sha1').update(content.subarray(0, HASH_CHUNK_SIZE)).digest();
  const last = createHash('sha1').update(content.subarray(content.length - HASH_CHUNK_SIZE)).digest();
  return createHash('sha1').update(Buffer.concat([first, last])).digest('base64url').slice(0, 22);
}

/** lamindb-setup's hash_dir, written out independently: each file's hash_file, then md5 over md5s of the sorted hashes. */
export function laminHashDir(contents: (string | Buffer)[]): string {
  const fileHashes = contents.map((content) => laminHash(Buffer.from(content))).sort();
  const digests = Buffer.concat(fileHashes.map((hash) => createHash('md5').update(hash).digest()));
  return createHash('md5').update(digests).digest('base64url').slice(0, 22);
}
