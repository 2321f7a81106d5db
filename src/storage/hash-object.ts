// Hashes an object already in a store by streaming it once (registration, direct uploads, recovery, doctor).
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ContentHash, HashingStream } from './hashing';
import type { ObjectStore } from './object-store';

export async function hashObject(store: ObjectStore, key: string, size: number): Promise<ContentHash> {
  const hasher = new HashingStream(size);
  await pipeline(await store.get(key), hasher, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return hasher.result();
}
