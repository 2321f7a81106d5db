// LaminDB's storage marker: `.lamindb/storage_uid.txt` in a storage root, whose first line is the storage's uid.
// LaminDB tooling (lamindb-setup) reads it to tell which storage location a folder or bucket is, and refuses to manage
// a root marked with another uid. Trove writes it when a storage is registered and adopts the uid of a root that
// LaminDB marked already, so both registries name the location alike.
import { STORAGE_MARKER_KEY, LEGACY_STORAGE_MARKER_KEY } from '../storage/keys';
import type { ObjectStore } from '../storage/object-store';
import { InvalidInputError } from './errors';
import { uidLengths } from './uid';

const STORAGE_UID = new RegExp(`^[A-Za-z0-9]{${uidLengths.storage}}$`);

async function readText(store: ObjectStore, key: string): Promise<string | undefined> {
  if (!(await store.head(key))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The uid a storage root is marked with (the legacy `_is_initialized` file counts too), or undefined. */
export async function readStorageMarker(store: ObjectStore): Promise<string | undefined> {
  for (const key of [STORAGE_MARKER_KEY, LEGACY_STORAGE_MARKER_KEY]) {
    const text = await readText(store, key);
    if (text === undefined) continue;
    const uid = text.split(/\r?\n/, 1)[0]!.trim();
    if (!STORAGE_UID.test(uid)) {
      throw new InvalidInputError(`${store.root}/${key} does not start with a storage uid (${uidLengths.storage} letters and digits); fix or remove it`, 'input.root');
    }
    return uid;
  }
  return undefined;
}

/** Writes the marker as lamindb-setup does: the uid, then how the mark was made. */
export async function writeStorageMarker(store: ObjectStore, uid: string): Promise<void> {
  await store.put(STORAGE_MARKER_KEY, Buffer.from(`${uid}\ncreation info:\nmanaged_by=trove\n`));
}

/**
 * Marks a storage Trove already has a record for, when the root carries no marker yet (storages registered before
 * Trove wrote markers, the default storage at start). Returns the uid the root is marked with, which differs from
 * `uid` when something else marked it first (it is then left as it is).
 */
export async function ensureStorageMarker(store: ObjectStore, uid: string): Promise<string> {
  const marked = await readStorageMarker(store);
  if (marked) return marked;
  await writeStorageMarker(store, uid);
  return uid;
}
