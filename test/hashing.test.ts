// Hashes must equal LaminDB's byte for byte; the references below are computed independently with Node's
// crypto on whole buffers, mirroring lamindb's hash_file.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HASH_CHUNK_SIZE, HashingStream, hashBuffer, hashFromEtag } from '../src/storage/hashing';
import { laminHash } from './helpers/lamin-hash';

async function streamHash(content: Buffer, announce: boolean, chunkSize = 1_000_003) {
  const hasher = new HashingStream(announce ? content.length : undefined);
  const chunks = [];
  for (let offset = 0; offset < content.length; offset += chunkSize) chunks.push(content.subarray(offset, offset + chunkSize));
  await pipeline(Readable.from(chunks), hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return hasher.result(async (start) => Readable.from([content.subarray(start)]));
}

describe('LaminDB hashes', () => {
  it('matches the known answers of the issue', async () => {
    expect((await hashBuffer(Buffer.from('a'))).hash).toBe('DMF1ucDxtqgxw5niaXcmYQ');
    expect(await hashBuffer(Buffer.from('>seq1\nACGT\n'))).toEqual({ size: 11, hash: '83rEPcAoBHmYiIuyBYrFKg', hashType: 'md5', fullChecksum: null });
  });

  it('uses md5 up to exactly 50 MiB and sha1-fl above, in one streaming pass', async () => {
    const exactly = randomBytes(HASH_CHUNK_SIZE);
    expect(await streamHash(exactly, false)).toMatchObject({ hashType: 'md5', hash: laminHash(exactly) });
    for (const size of [HASH_CHUNK_SIZE + 1, HASH_CHUNK_SIZE + 12_345_678, 2 * HASH_CHUNK_SIZE + 77]) {
      const content = randomBytes(size);
      for (const announce of [true, false]) {
        const result = await streamHash(content, announce);
        expect(result).toMatchObject({ size, hashType: 'sha1-fl', hash: laminHash(content) });
        expect(result.fullChecksum).toBe(createHash('sha256').update(content).digest('base64url'));
      }
    }
  });

  it('hashes a buffer directly as the stream does, on both sides of the 50 MiB boundary', async () => {
    for (const size of [0, 1000, HASH_CHUNK_SIZE, HASH_CHUNK_SIZE + 1, 2 * HASH_CHUNK_SIZE + 77]) {
      const content = randomBytes(size);
      const direct = await hashBuffer(content);
      expect(direct).toEqual(await streamHash(content, true));
      expect(direct).toEqual(await streamHash(content, false));
      expect(direct.hash).toBe(laminHash(content));
    }
  });

  it('refuses to hash as a larger file a stream that brings more bytes than it announced within md5 range', async () => {
    const content = randomBytes(HASH_CHUNK_SIZE + 10);
    const hasher = new HashingStream(1000);
    await pipeline(Readable.from([content.subarray(0, HASH_CHUNK_SIZE), content.subarray(HASH_CHUNK_SIZE)]), hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
    expect(hasher.bytesSeen).toBe(HASH_CHUNK_SIZE + 10);
    await expect(hasher.result(async (start) => Readable.from([content.subarray(start)]))).rejects.toThrow('were announced');
  });

  it('tells apart large files that sha1-fl confuses, by the full checksum', async () => {
    const a = randomBytes(3 * HASH_CHUNK_SIZE);
    const b = Buffer.from(a);
    b[HASH_CHUNK_SIZE + 5] = b[HASH_CHUNK_SIZE + 5]! ^ 0xff; // differs only in the middle
    const [hashA, hashB] = [await streamHash(a, true), await streamHash(b, true)];
    expect(hashA.hash).toBe(hashB.hash);
    expect(hashA.fullChecksum).not.toBe(hashB.fullChecksum);
  });

  it('derives hashes from S3 ETags like LaminDB', () => {
    const md5 = createHash('md5').update('a').digest('hex');
    expect(hashFromEtag(`"${md5}"`, 1)).toEqual({ size: 1, hash: 'DMF1ucDxtqgxw5niaXcmYQ', hashType: 'md5', fullChecksum: null });
    expect(hashFromEtag(`${md5}-3`, 10)?.hashType).toBe('md5-3');
    expect(hashFromEtag('not-an-etag', 1)).toBeUndefined();
  });
});
