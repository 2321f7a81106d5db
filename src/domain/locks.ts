// Advisory locks that serialise competing writers at READ COMMITTED. Every lock is held until its transaction
// ends; names are hashed to the 64-bit keys PostgreSQL locks on.
import type { Prisma } from '../db/generated/client';

export type Tx = Prisma.TransactionClient;

export async function lock(tx: Tx, ...names: string[]): Promise<void> {
  // Sorted, so two transactions taking the same locks never wait on each other in opposite order; one statement.
  const sorted = [...new Set(names)].sort();
  if (sorted.length === 1) await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${sorted[0]}, 0))`;
  else if (sorted.length > 1) {
    await tx.$queryRaw`
      SELECT count(pg_advisory_xact_lock(hashtextextended(name, 0)))::int AS locked
      FROM (SELECT name FROM unnest(${sorted}::text[]) AS name ORDER BY name COLLATE "C") AS ordered`;
  }
}

export const hashLock = (hash: string) => `trove:hash:${hash}`;
export const familyLock = (stem: string) => `trove:family:${stem}`;
export const keyLock = (storageId: number, key: string) => `trove:key:${storageId}:${key}`;
export const artifactLock = (uid: string) => `trove:artifact:${uid}`;
export const transformKeyLock = (key: string) => `trove:transform-key:${key}`;
export const storageRootLock = (root: string) => `trove:storage:${root}`;
/** The user and default storage every process ensures at start-up. */
export const bootstrapLock = 'trove:bootstrap';
