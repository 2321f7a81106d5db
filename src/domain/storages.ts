// Registering storages: only admins may, and only inside the allowed roots (TROVE_ALLOWED_ROOTS), never over
// Trove's own data folder, and never through a symbolic link.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { normalizeStorageRoot } from '../config';
import type { Database, SqlReader } from '../db/client';
import type { Storage, User } from '../db/generated/client';
import { STORAGE_MARKER_KEY } from '../storage/keys';
import type { ObjectStore } from '../storage/object-store';
import type { StoreRegistry } from '../storage/open-store';
import { storageTypeOf } from './bootstrap';
import { InvalidInputError, NotFoundError, StorageInUseError } from './errors';
import { bootstrapLock, lock, storageRootLock } from './locks';
import { readStorageMarker, writeStorageMarker } from './storage-marker';
import { randomBase62, uidLengths } from './uid';

export interface RegisterStorageInput {
  /** An absolute local path or s3://bucket/prefix (normalised here). */
  root: string;
  description?: string | null;
  region?: string | null;
}

export interface StoragePolicy {
  /** Local folders and s3:// prefixes storages may be registered in. */
  allowedRoots: string[];
  /** Trove's data folder: holds the embedded database and the signing secret. */
  dataDir: string;
}

function isInside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function isInsideS3(root: string, allowed: string): boolean {
  return root === allowed || root.startsWith(`${allowed}/`);
}

/** The real path of `location`, resolving only the part of it that exists. */
async function realPathOf(location: string): Promise<string> {
  const missing: string[] = [];
  let existing = location;
  for (;;) {
    try {
      return path.join(await realpath(existing), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || existing === path.dirname(existing)) throw error;
      missing.push(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
}

/** Why `root` may not be registered, in one sentence; undefined when it may. */
export async function storageRootProblem(root: string, policy: StoragePolicy): Promise<string | undefined> {
  const allowedList = policy.allowedRoots.join(', ');
  if (root.startsWith('s3://')) {
    if (policy.allowedRoots.some((allowed) => allowed.startsWith('s3://') && isInsideS3(root, allowed))) return undefined;
    return `${root} is not inside an allowed root (${allowedList}); an administrator can add it to TROVE_ALLOWED_ROOTS`;
  }
  const real = await realPathOf(root);
  if (real !== root) return `${root} is reached through a symbolic link (its real path is ${real}); register the real path`;
  const dataDir = await realPathOf(policy.dataDir);
  if (isInside(dataDir, real)) return `${root} contains Trove's data folder (database and signing secret) and cannot be a storage`;
  if (isInside(real, path.join(dataDir, 'postgres'))) return `${root} is inside Trove's database folder and cannot be a storage`;
  for (const allowed of policy.allowedRoots) {
    if (allowed.startsWith('s3://')) continue;
    if (isInside(real, await realPathOf(allowed))) return undefined;
  }
  return `${root} is not inside an allowed root (${allowedList}); an administrator can add it to TROVE_ALLOWED_ROOTS`;
}

const S3_ROOT = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/** Registers another storage root; registering a known root returns the existing record. */
export async function registerStorage(
  db: Database,
  raw: RegisterStorageInput,
  createdBy: User,
  policy: StoragePolicy,
  stores: StoreRegistry,
): Promise<{ storage: Storage; created: boolean }> {
  if (!S3_ROOT.test(raw.root) && !path.isAbsolute(raw.root)) {
    throw new InvalidInputError('root must be an absolute local path or s3://bucket/prefix', 'input.root');
  }
  const input = { ...raw, root: normalizeStorageRoot(raw.root) };
  const problem = await storageRootProblem(input.root, policy);
  if (problem) throw new InvalidInputError(problem, 'input.root');
  const store = stores.storeFor(input.root);
  const marked = await markerOf(store);
  return db.$transaction(async (tx) => {
    // Concurrent registrations of one root: the first creates it, the others wait and return it.
    await lock(tx, storageRootLock(input.root));
    const existing = await tx.storage.findUnique({ where: { root: input.root } });
    if (existing) {
      if (!marked) await bestEffort(() => writeStorageMarker(store, existing.uid));
      return { storage: existing, created: false };
    }
    if (marked) {
      const holder = await tx.storage.findUnique({ where: { uid: marked } });
      if (holder) {
        throw new InvalidInputError(
          `${input.root} carries the marker of storage ${marked} (${STORAGE_MARKER_KEY}), which is registered at ${holder.root}; a copy of a storage cannot be registered as another one (remove the marker if this is a new location)`,
          'input.root',
        );
      }
    }
    const type = storageTypeOf(input.root);
    const storage = await tx.storage.create({
      data: {
        // A root LaminDB (or an earlier registration) marked keeps its uid.
        uid: marked ?? randomBase62(uidLengths.storage),
        root: input.root,
        type,
        region: type === 'S3' ? (input.region ?? 'us-east-1') : null,
        description: input.description ?? null,
        createdById: createdBy.id,
      },
    });
    // Before the commit; a marker left by a registration whose commit then failed is adopted by the next one.
    if (!marked) await bestEffort(() => writeStorageMarker(store, storage.uid));
    return { storage, created: true };
  });
}

/**
 * Makes a registered storage the default for saves without `storageUid` (LaminDB's `ln.settings.storage = ...`), in
 * one transaction. Unless TROVE_STORAGE is set (then that root is the default again at the next start), the choice
 * lasts across restarts.
 */
/**
 * The storage with this uid, or the default one without a uid; null when there is none. A plain read beside Prisma:
 * every save and upload asks it, and a Prisma model query costs about 1.5 ms of CPU of its own (bench P6).
 */
export async function storageByUidOrDefault(read: SqlReader, uid: string | null | undefined): Promise<Storage | null> {
  const rows = uid
    ? await read<Storage>('SELECT * FROM "Storage" WHERE uid = $1', [uid])
    : await read<Storage>('SELECT * FROM "Storage" WHERE "isDefault" LIMIT 1', []);
  return rows[0] ?? null;
}

export async function setDefaultStorage(db: Database, uid: string): Promise<Storage> {
  return db.$transaction(async (tx) => {
    await lock(tx, bootstrapLock);
    const found = await tx.storage.findUnique({ where: { uid } });
    if (!found) throw new NotFoundError('storage', `uid ${uid}`);
    if (found.isDefault) return found;
    await tx.storage.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
    return tx.storage.update({ where: { id: found.id }, data: { isDefault: true } });
  });
}

/**
 * Unregisters a storage that holds no artifact (LaminDB's `Storage.delete()`, which is permanent): the default
 * storage and a storage with artifacts (trash included), an open upload or owed storage work are refused. Only the
 * record and the storage's marker go; no other object in the root is touched. Returns the deleted record.
 */
export async function deleteStorage(db: Database, stores: StoreRegistry, uid: string): Promise<Storage> {
  const storage = await db.$transaction(async (tx) => {
    // Locks the row: a save committing into this storage meanwhile waits (its foreign key), then finds it gone.
    const [found] = await tx.$queryRaw<Storage[]>`SELECT * FROM "Storage" WHERE uid = ${uid} FOR UPDATE`;
    if (!found) throw new NotFoundError('storage', `uid ${uid}`);
    if (found.isDefault) {
      throw new StorageInUseError('STORAGE_IS_DEFAULT', `${found.root} is the default storage; make another storage the default (setDefaultStorage) before deleting it`);
    }
    const [artifacts, uploads, operations] = await Promise.all([
      tx.artifact.count({ where: { storageId: found.id } }),
      tx.uploadSession.count({ where: { storageId: found.id, status: { in: ['OPEN', 'RECEIVED'] } } }),
      tx.storageOperation.count({ where: { storageId: found.id } }),
    ]);
    if (artifacts || uploads || operations) {
      const holds = [artifacts && `${artifacts} artifact(s), trash included`, uploads && `${uploads} open upload(s)`, operations && `${operations} unfinished storage operation(s)`].filter(Boolean).join(', ');
      throw new StorageInUseError('STORAGE_NOT_EMPTY', `storage ${found.root} holds ${holds}; delete them permanently (or abort the uploads) first`);
    }
    await tx.uploadSession.deleteMany({ where: { storageId: found.id } });
    await tx.storage.delete({ where: { id: found.id } });
    return found;
  });
  // After the commit, as LaminDB does; a marker naming another storage is not ours to remove.
  const store = stores.storeFor(storage.root);
  if ((await markerOf(store)) === storage.uid) await bestEffort(() => store.delete(STORAGE_MARKER_KEY));
  return storage;
}

/**
 * The uid a root is marked with. As in LaminDB, a root Trove cannot read or write (no rights yet, a read-only
 * location) is registered all the same, unmarked; saves to it answer with the storage's own error.
 */
async function markerOf(store: ObjectStore): Promise<string | undefined> {
  try {
    return await readStorageMarker(store);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    return undefined;
  }
}

async function bestEffort(work: () => Promise<unknown>): Promise<void> {
  await work().catch(() => undefined);
}
