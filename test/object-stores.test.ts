// Every backend behaves the same through the ObjectStore interface, against real servers.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { LocalObjectStore } from '../src/storage/local-store';
import { type ObjectStore, StorageError } from '../src/storage/object-store';
import { createS3Client, S3ObjectStore } from '../src/storage/s3-store';
import { swiftReader, swiftRoot, swiftSettings } from './helpers/s3';
import { S3RVER_BUCKET, s3rverCredentials } from './helpers/trove';

const localDir = await mkdtemp(path.join(tmpdir(), 'trove-store-'));
afterAll(() => rm(localDir, { recursive: true, force: true }));
const swiftAvailable = Boolean(inject('swiftEndpoint'));

const backends: [string, () => Promise<ObjectStore>][] = [
  ['local', async () => new LocalObjectStore(localDir)],
  [
    's3rver',
    async () =>
      new S3ObjectStore(
        `s3://${S3RVER_BUCKET}/stores-${randomBytes(4).toString('hex')}`,
        createS3Client({ endpoint: inject('s3rverEndpoint'), credentials: s3rverCredentials }),
      ),
  ],
];
if (swiftAvailable) {
  backends.push(['swift', async () => new S3ObjectStore(await swiftRoot(`stores-${randomBytes(4).toString('hex')}`), createS3Client(swiftSettings()))]);
}

describe.each(backends)('%s object store', (_name, open) => {
  it('puts, reads (also by range), heads, moves, lists and deletes', async () => {
    const store = await open();
    const content = randomBytes(3 * 1024 * 1024 + 17);
    expect(await store.put('a/one.bin', Readable.from([content.subarray(0, 1000), content.subarray(1000)]))).toMatchObject({ key: 'a/one.bin', size: content.length });
    expect((await store.head('a/one.bin'))?.size).toBe(content.length);
    // Buffer.equals: vitest's deep equality is very slow on megabytes.
    expect((await buffer(await store.get('a/one.bin'))).equals(content)).toBe(true);
    expect((await buffer(await store.get('a/one.bin', { start: 10, end: 19 }))).equals(content.subarray(10, 20))).toBe(true);
    await store.move('a/one.bin', 'b/two.bin');
    expect(await store.head('a/one.bin')).toBeUndefined();
    const listed = [];
    for await (const item of store.list('b/')) listed.push(item);
    expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([{ key: 'b/two.bin', size: content.length }]);
    await store.delete('b/two.bin');
    await store.delete('b/two.bin'); // deleting twice is fine
    expect(await store.head('b/two.bin')).toBeUndefined();
    await store.check();
  });

  it('reports a missing object with the storage code', async () => {
    const store = await open();
    await expect(store.get('nope/missing.bin').then((stream) => buffer(stream))).rejects.toBeInstanceOf(StorageError);
  });
});

describe.skipIf(!swiftAvailable)('Swift permissions', () => {
  it('a user without rights gets a real AccessDenied on write', async () => {
    const root = await swiftRoot('denied');
    const store = new S3ObjectStore(root, createS3Client(swiftSettings(swiftReader)));
    const failure = await store.put('x.txt', Buffer.from('x')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).storageCode).toBe('AccessDenied');
  });
});
