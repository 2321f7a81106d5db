// deleteArtifact (to the trash, or permanently with or without the stored object) and restoreArtifact. A permanent
// delete runs the storage protocol (protocol.ts): the row goes and the object's deletion is owed in one transaction.
import type { Artifact } from '../../db/generated/client';
import { NotFoundError, RecordInUseError, StorageBusyError } from '../errors';
import type { Tx } from '../locks';
import type { PreviousFields } from './previous-fields';
import { type OwedWork, pendingWork, runProtocol } from './protocol';
import { folderFiles, lockedArtifact } from './lookup';
import type { ArtifactServices } from './services';
import { storageFailure } from './staging';
import { handOverLatest, latestOnReturn } from './versions';

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

interface DeletePlan {
  artifact: Artifact;
  /** Where the artifact's own object is, when it is deleted with the row. */
  objectKey?: string;
  sharedBy: number;
}

/** Objects of an unfinished save or replace of `artifact` that only Trove wrote: they go with it. */
function leftoversOf(work: { kind: string; fromKey: string; previous: unknown }[], artifact: Artifact): string[] {
  const keys = new Set<string>();
  for (const operation of work) {
    if (operation.kind !== 'PROMOTE') continue;
    keys.add(operation.fromKey); // the dead run's staged bytes
    const previous = operation.previous as PreviousFields | null;
    // A move's old object is in another storage, and its deletion is owed there already.
    const sameStorage = previous?.storageId === undefined || previous.storageId === artifact.storageId;
    if (previous && sameStorage && previous.storageKey !== artifact.storageKey && (previous.key === null || artifact.keyIsVirtual)) keys.add(previous.storageKey);
  }
  return [...keys];
}

/** Step 2 of a permanent delete: the row goes, and the deletion of its object (and of any leftovers) is owed. */
async function commitPermanentDelete(tx: Tx, artifactId: number, uid: string, deleteStorage: boolean, fileKeys: string[]): Promise<{ value: DeletePlan; owed: OwedWork[] }> {
  const artifact = await lockedArtifact(tx, { id: artifactId, uid });
  const pending = await pendingWork(tx, { artifactId });
  if (pending.some((work) => work.live)) {
    // Its bytes are moving right now: deleting the row under the move would leave the moved object to nobody.
    throw new StorageBusyError(`artifact ${uid} is being stored by another request; delete it when that is done (storageOngoing clears)`);
  }
  const collections = await tx.collectionArtifact.count({ where: { artifactId } });
  const indexes = await tx.collection.count({ where: { metaArtifactId: artifactId } });
  if (collections || indexes) {
    // LaminDB's PROTECT: a collection keeps its artifacts (trashing the artifact is allowed).
    const what = collections ? `is in ${collections} collection(s)` : 'is the meta artifact of a collection';
    throw new RecordInUseError('ARTIFACT_IN_COLLECTION', `artifact ${uid} ${what}; delete those collections first, or move the artifact to the trash`);
  }
  // An interrupted save or replace (its lease expired): the delete takes the work over and removes what it left.
  const leftovers = leftoversOf(pending, artifact);
  await tx.storageOperation.deleteMany({ where: { id: { in: pending.map((work) => work.id) } } });
  await handOverLatest(tx, artifact);
  await tx.artifact.delete({ where: { id: artifact.id } });
  const owed: OwedWork[] = leftovers.map((fromKey) => ({ kind: 'DELETE', storageId: artifact.storageId, artifactId: null, fromKey }));
  // An object another artifact still points to is never deleted; an object under a real key only when asked.
  const sharedBy = await tx.artifact.count({ where: { storageId: artifact.storageId, storageKey: artifact.storageKey } });
  if (artifact.nFiles !== null) {
    // A folder's files are deleted as owed deletions: always under an auto key (Trove placed them), under a real key
    // (registered in place, or uploaded there) only when asked.
    if (fileKeys.length) owed.push(...fileKeys.map((fromKey): OwedWork => ({ kind: 'DELETE', storageId: artifact.storageId, artifactId: null, fromKey })));
    return { value: { artifact, objectKey: fileKeys.length ? artifact.storageKey : undefined, sharedBy }, owed };
  }
  const managedObject = artifact.keyIsVirtual || !artifact.key;
  if ((managedObject || deleteStorage) && sharedBy === 0 && !leftovers.includes(artifact.storageKey)) {
    owed.push({ kind: 'DELETE', storageId: artifact.storageId, artifactId: null, fromKey: artifact.storageKey });
  }
  const objectKey = owed.some((work) => work.fromKey === artifact.storageKey) ? artifact.storageKey : undefined;
  return { value: { artifact, objectKey, sharedBy }, owed };
}

export async function deleteArtifact(services: ArtifactServices, input: DeleteArtifactInput): Promise<DeleteOutcome> {
  const { db, stores } = services;
  const found = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!found) throw new NotFoundError('artifact', `uid ${input.uid}`);
  const store = stores.storeFor(found.storage.root);

  if (!input.permanent) {
    const artifact = await db.$transaction(async (tx) => {
      const current = await lockedArtifact(tx, found);
      await handOverLatest(tx, current, { trashing: true });
      return tx.artifact.update({ where: { id: found.id }, data: { branch: 'TRASH' } });
    });
    return { uid: artifact.uid, artifact, objectDeleted: false, warnings: [`moved to the trash; restore with restoreArtifact(uid: "${artifact.uid}")`] };
  }

  // A folder's files, listed before the commit: the deletion of each is owed with the row's removal.
  let fileKeys: string[] = [];
  if (found.nFiles !== null && (input.deleteStorage || found.keyIsVirtual || !found.key)) {
    try {
      fileKeys = (await folderFiles(stores, found)).map((file) => file.key);
    } catch (error) {
      throw storageFailure(error, found.storage.root);
    }
  }
  const run = await runProtocol<DeletePlan>(services, {
    store,
    detail: { uid: found.uid, key: found.key ?? undefined },
    commit: (tx) => commitPermanentDelete(tx, found.id, found.uid, input.deleteStorage === true, fileKeys),
  });
  const { artifact, objectKey, sharedBy } = run.value;
  const location = store.locationOf(artifact.storageKey);
  const warnings: string[] = [];
  if (!objectKey) {
    warnings.push(
      sharedBy > 0
        ? `the object at ${location} is kept: ${sharedBy} other artifact(s) point to it`
        : `${found.nFiles !== null ? `the folder's ${found.nFiles} file(s) remain` : 'a file remains'} at ${location}, not referenced by any artifact (pass deleteStorage: true to delete it)`,
    );
  }
  const objectDeleted = objectKey !== undefined && (found.nFiles !== null ? run.deferred.length === 0 : run.deleted.includes(location));
  // The record is gone; an owed deletion that failed stays recorded and recovery retries it.
  for (const deferred of run.deferred) warnings.push(`could not delete ${deferred} yet; recovery will retry`);
  return { uid: artifact.uid, artifact: null, objectDeleted, warnings };
}

export async function restoreArtifact(services: ArtifactServices, uid: string): Promise<Artifact> {
  const { db } = services;
  const found = await db.artifact.findUnique({ where: { uid } });
  if (!found) throw new NotFoundError('artifact', `uid ${uid}`);
  return db.$transaction(async (tx) => {
    const current = await lockedArtifact(tx, found);
    const latest = await latestOnReturn(tx, current);
    return tx.artifact.update({ where: { id: found.id }, data: { branch: 'MAIN', isLatest: latest } });
  });
}
