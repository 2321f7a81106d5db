// What a storage holds, for asserting the bytes side of every operation.
import { buffer } from 'node:stream/consumers';
import { STORAGE_MARKER_KEY } from '../../src/storage/keys';
import type { ObjectStore } from '../../src/storage/object-store';

/**
 * Keys of every object in the store, without Trove's own `.trove/` area unless asked, and without the storage's
 * LaminDB marker (`.lamindb/storage_uid.txt`, written when the storage is registered) unless asked.
 */
export async function objectKeys(store: ObjectStore, options: { includeInternal?: boolean; includeMarker?: boolean } = {}): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of store.list('')) {
    if (!options.includeInternal && item.key.startsWith('.trove/')) continue;
    if (!options.includeMarker && item.key === STORAGE_MARKER_KEY) continue;
    keys.push(item.key);
  }
  return keys.sort();
}

export async function stagingKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const item of store.list('.trove/staging/')) keys.push(item.key);
  return keys;
}

export async function readObject(store: ObjectStore, key: string): Promise<string> {
  return (await readObjectBytes(store, key)).toString();
}

export async function readObjectBytes(store: ObjectStore, key: string): Promise<Buffer> {
  return buffer(await store.get(key));
}
