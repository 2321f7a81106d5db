// deleteArtifact (to the trash, or permanently with or without the stored object) and restoreArtifact.
import type { Artifact } from '../../db/generated/client';
import { NotFoundError } from '../errors';
import { artifactLock, familyLock, lock, type Tx } from '../locks';
import type { ArtifactServices } from './services';

export interface DeleteArtifactInput {
  uid: string;
  /** Remove the record (default: move it to the trash). */
  permanent?: boolean | null;
  /** With `permanent`, also delete an object stored under a real key (auto and virtual keys always are). */
  deleteStorage?: boolean | null;
}

export interface DeleteOutcome {
  uid: string;
  /** The artifact when it still exists (moved to the trash). */
  artifact: Artifact | null;
  objectDeleted: boolean;
  warnings: string[];
}

/** When the latest version leaves MAIN, the newest remaining MAIN version becomes the latest. */
async function promotePreviousVersion(tx: Tx, removed: Artifact): Promise<void> {
  if (!removed.isLatest) return;
  const stem = removed.uid.slice(0, 16);
  await lock(tx, familyLock(stem));
  await tx.artifact.updateMany({ where: { id: removed.id }, data: { isLatest: false } });
  const previous = await tx.artifact.findFirst({ where: { uid: { startsWith: stem }, branch: 'MAIN', id: { not: removed.id } }, orderBy: { id: 'desc' } });
  if (previous) await tx.artifact.update({ where: { id: previous.id }, data: { isLatest: true } });
}

export async function deleteArtifact(services: ArtifactServices, input: DeleteArtifactInput): Promise<DeleteOutcome> {
  const { db, stores } = services;
  const found = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!found) throw new NotFoundError('artifact', `uid ${input.uid}`);
  const store = stores.storeFor(found.storage.root);

  if (!input.permanent) {
    const artifact = await db.$transaction(async (tx) => {
      await lock(tx, artifactLock(found.uid));
      const current = await tx.artifact.findUniqueOrThrow({ where: { id: found.id } });
      await promotePreviousVersion(tx, current);
      return tx.artifact.update({ where: { id: found.id }, data: { branch: 'TRASH' } });
    });
    return { uid: artifact.uid, artifact, objectDeleted: false, warnings: [`moved to the trash; restore with restoreArtifact(uid: "${artifact.uid}")`] };
  }

  const managedObject = found.keyIsVirtual || !found.key;
  const wantsObjectDeleted = managedObject || input.deleteStorage === true;
  const plan = await db.$transaction(async (tx) => {
    await lock(tx, artifactLock(found.uid));
    const current = await tx.artifact.findUniqueOrThrow({ where: { id: found.id } });
    await promotePreviousVersion(tx, current);
    await tx.storageOperation.deleteMany({ where: { artifactId: current.id } });
    await tx.artifact.delete({ where: { id: current.id } });
    // An object another artifact still points to is never deleted.
    const sharedBy = await tx.artifact.count({ where: { storageId: current.storageId, storageKey: current.storageKey } });
    if (!wantsObjectDeleted || sharedBy > 0) return { current, operationId: undefined, sharedBy };
    const operation = await tx.storageOperation.create({ data: { kind: 'DELETE', storageId: current.storageId, fromKey: current.storageKey } });
    return { current, operationId: operation.id, sharedBy };
  });

  const location = store.locationOf(plan.current.storageKey);
  const warnings: string[] = [];
  if (plan.operationId === undefined) {
    warnings.push(
      plan.sharedBy > 0
        ? `the object at ${location} is kept: ${plan.sharedBy} other artifact(s) point to it`
        : `a file remains at ${location}, not referenced by any artifact (pass deleteStorage: true to delete it)`,
    );
    return { uid: plan.current.uid, artifact: null, objectDeleted: false, warnings };
  }
  try {
    await store.delete(plan.current.storageKey);
    await db.storageOperation.deleteMany({ where: { id: plan.operationId } });
    return { uid: plan.current.uid, artifact: null, objectDeleted: true, warnings };
  } catch (error) {
    // The record is gone; the owed deletion stays recorded and recovery retries it.
    warnings.push(`could not delete ${location} yet (${(error as Error).message}); recovery will retry`);
    return { uid: plan.current.uid, artifact: null, objectDeleted: false, warnings };
  }
}

export async function restoreArtifact(services: ArtifactServices, uid: string): Promise<Artifact> {
  const { db } = services;
  const found = await db.artifact.findUnique({ where: { uid } });
  if (!found) throw new NotFoundError('artifact', `uid ${uid}`);
  return db.$transaction(async (tx) => {
    const stem = found.uid.slice(0, 16);
    await lock(tx, artifactLock(uid), familyLock(stem));
    const latest = await tx.artifact.findFirst({ where: { uid: { startsWith: stem }, isLatest: true } });
    // The restored version is the latest again if no newer version is in MAIN.
    const becomesLatest = !latest || latest.branch !== 'MAIN' || latest.id < found.id;
    if (becomesLatest && latest && latest.id !== found.id) await tx.artifact.update({ where: { id: latest.id }, data: { isLatest: false } });
    return tx.artifact.update({ where: { id: found.id }, data: { branch: 'MAIN', isLatest: becomesLatest || found.isLatest } });
  });
}
