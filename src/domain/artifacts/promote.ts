// Step 3 of the save protocol: move the staged object to its final key, verify it, then clear
// `storageOngoing` and the owed operation. If the move fails, the commit is undone.
import type { Artifact } from '../../db/generated/client';
import type { ObjectStore } from '../../storage/object-store';
import { StorageFailedError } from '../errors';
import type { PendingPromotion } from './commit';
import type { ArtifactServices } from './services';
import { storageFailure } from './staging';

export async function moveIntoPlace(store: ObjectStore, promotion: PendingPromotion, expectedSize: number): Promise<void> {
  const staged = await store.head(promotion.fromKey);
  let moveError: unknown;
  if (staged) {
    try {
      await store.move(promotion.fromKey, promotion.toKey);
    } catch (error) {
      moveError = error; // a concurrent save of the same bytes may have finished (and dropped our staged copy)
    }
  }
  const placed = await store.head(promotion.toKey);
  // The final object in place with the expected size: this promotion, or a concurrent one of identical bytes, did it.
  if (!placed || placed.size !== expectedSize) {
    if (moveError) throw moveError;
    throw new StorageFailedError(
      'SizeMismatch',
      `the object at ${store.locationOf(promotion.toKey)} has ${placed?.size ?? 'no'} bytes, expected ${expectedSize}`,
    );
  }
}

export async function promote(services: ArtifactServices, artifact: Artifact, promotion: PendingPromotion, store: ObjectStore): Promise<Artifact> {
  try {
    await moveIntoPlace(store, promotion, Number(artifact.size));
  } catch (error) {
    throw storageFailure(error, store.root);
  }
  return services.db.$transaction(async (tx) => {
    await tx.storageOperation.deleteMany({ where: { id: promotion.operationId } });
    return tx.artifact.update({ where: { id: artifact.id }, data: { storageOngoing: false } });
  });
}

/** Undoes the commit of a new artifact whose bytes could not be put in place: no row, no staged object. */
export async function undoCreated(services: ArtifactServices, artifact: Artifact, promotion: PendingPromotion, store: ObjectStore): Promise<void> {
  await services.db.$transaction(async (tx) => {
    await tx.storageOperation.deleteMany({ where: { id: promotion.operationId } });
    await tx.artifact.deleteMany({ where: { id: artifact.id } });
    // The version this one superseded is the latest again.
    const previous = await tx.artifact.findFirst({
      where: { uid: { startsWith: artifact.uid.slice(0, 16) }, branch: 'MAIN' },
      orderBy: { id: 'desc' },
    });
    if (previous && !previous.isLatest) await tx.artifact.update({ where: { id: previous.id }, data: { isLatest: true } });
  });
  await store.delete(promotion.fromKey).catch(() => undefined);
}
