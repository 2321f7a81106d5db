// Registering storages: only admins may, and only inside the allowed roots (TROVE_ALLOWED_ROOTS), never over
// Trove's own data folder, and never through a symbolic link.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { normalizeStorageRoot } from '../config';
import type { Database } from '../db/client';
import type { Storage, User } from '../db/generated/client';
import { storageTypeOf } from './bootstrap';
import { InvalidInputError } from './errors';
import { lock, storageRootLock } from './locks';
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
): Promise<{ storage: Storage; created: boolean }> {
  if (!S3_ROOT.test(raw.root) && !path.isAbsolute(raw.root)) {
    throw new InvalidInputError('root must be an absolute local path or s3://bucket/prefix', 'input.root');
  }
  const input = { ...raw, root: normalizeStorageRoot(raw.root) };
  const problem = await storageRootProblem(input.root, policy);
  if (problem) throw new InvalidInputError(problem, 'input.root');
  return db.$transaction(async (tx) => {
    // Concurrent registrations of one root: the first creates it, the others wait and return it.
    await lock(tx, storageRootLock(input.root));
    const existing = await tx.storage.findUnique({ where: { root: input.root } });
    if (existing) return { storage: existing, created: false };
    const type = storageTypeOf(input.root);
    const storage = await tx.storage.create({
      data: {
        uid: randomBase62(uidLengths.storage),
        root: input.root,
        type,
        region: type === 'S3' ? (input.region ?? 'us-east-1') : null,
        description: input.description ?? null,
        createdById: createdBy.id,
      },
    });
    return { storage, created: true };
  });
}
