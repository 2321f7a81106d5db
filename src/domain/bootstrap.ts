// Records every Trove instance needs: the user it acts as and its default storage.
import type { Database } from '../db/client';
import type { Storage, User } from '../db/generated/client';
import { bootstrapLock, lock } from './locks';
import { randomBase62, uidLengths } from './uid';

export function storageTypeOf(root: string): 'LOCAL' | 'S3' {
  return root.startsWith('s3://') ? 'S3' : 'LOCAL';
}

export const USER_HANDLE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export async function ensureUser(db: Database, handle: string): Promise<User> {
  return db.$transaction(async (tx) => {
    // Prisma's upsert is not atomic: two processes starting together would both try the insert.
    await lock(tx, bootstrapLock);
    return tx.user.upsert({ where: { handle }, update: {}, create: { handle, uid: randomBase62(uidLengths.user), name: handle } });
  });
}

/**
 * Registers `root` (if new) and makes it the default storage, in one transaction; with `keepChosen`, a default chosen
 * before (setDefaultStorage) stays and `root` is only the default of a database that has none.
 */
export async function ensureDefaultStorage(
  db: Database,
  root: string,
  createdBy: User,
  region?: string,
  options: { keepChosen?: boolean } = {},
): Promise<Storage> {
  return db.$transaction(async (tx) => {
    // Serialises concurrent start-ups of several Trove processes.
    await lock(tx, bootstrapLock);
    if (options.keepChosen) {
      const chosen = await tx.storage.findFirst({ where: { isDefault: true } });
      if (chosen) return chosen;
    }
    const existing = await tx.storage.findUnique({ where: { root } });
    if (existing?.isDefault) return existing;
    await tx.storage.updateMany({ where: { isDefault: true }, data: { isDefault: false } });
    if (existing) return tx.storage.update({ where: { id: existing.id }, data: { isDefault: true } });
    return tx.storage.create({
      data: {
        uid: randomBase62(uidLengths.storage),
        root,
        type: storageTypeOf(root),
        region: storageTypeOf(root) === 'S3' ? (region ?? 'us-east-1') : null,
        isDefault: true,
        createdById: createdBy.id,
      },
    });
  });
}
