// moveArtifact: an artifact's bytes to another storage under the same uid and storage key, through the storage
// protocol (protocol.ts), so that at every step the artifact is readable from one of the two places:
//
//   1. Stage    the object is copied from the old storage to a staging key in the new one and hashed on the way;
//               bytes that are not the artifact's content are refused (nothing moves).
//   2. Commit   the row points to the new storage (storageOngoing), the promotion is owed with the old place as its
//               `previous`, and the old object's deletion is owed.
//   3. Perform  the promotion, then the deletion of the old object.
//
// A failed promotion (live or in recovery) puts the row back to the old storage, whose object was not touched yet;
// the owed deletion of the old object then finds the artifact there again and leaves it (recovery's occupant check).
import type { Artifact } from '../../db/generated/client';
import { InvalidInputError, KeyOccupiedError, NotFoundError, StorageBusyError, StorageFailedError } from '../errors';
import { artifactLock, lock, type Tx } from '../locks';
import { prepareTargetKey } from './commit';
import { previousFields, restoredFields } from './previous-fields';
import { type OwedWork, refuseWhileWorkOwed, runProtocol } from './protocol';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { discardStaged, stageStream, type StagedContent, storageFailure } from './staging';

export interface MoveArtifactInput {
  uid: string;
  /** The storage the artifact moves to. */
  storageUid: string;
}

/** The staged copy holds the artifact's content: the same hash where the hash types agree, else the same size. */
function holdsArtifactContent(staged: StagedContent, artifact: Artifact): boolean {
  if (staged.size !== Number(artifact.size)) return false;
  // An object registered from an S3 multipart ETag carries an md5-N hash, which no stream re-computes.
  if (staged.hashType !== artifact.hashType) return true;
  return staged.hash === artifact.hash && (artifact.fullChecksum === null || staged.fullChecksum === artifact.fullChecksum);
}

/** Step 2: the row points to the new storage, the promotion and the old object's deletion are owed. */
async function commitMove(tx: Tx, seen: Artifact, targetStorageId: number, staged: StagedContent, fileAtTarget: boolean): Promise<{ value: Artifact; owed: OwedWork[] }> {
  await lock(tx, artifactLock(seen.uid));
  const current = await tx.artifact.findUniqueOrThrow({ where: { id: seen.id } });
  if (current.storageId !== seen.storageId || current.storageKey !== seen.storageKey || current.hash !== seen.hash) {
    throw new StorageBusyError(`artifact ${seen.uid} changed while its bytes were copied; move it again`);
  }
  await refuseWhileWorkOwed(tx, current, 'move');
  const occupant = await tx.artifact.findFirst({ where: { storageId: targetStorageId, storageKey: current.storageKey } });
  if (occupant) throw new KeyOccupiedError(current.storageKey, occupant.uid);
  await prepareTargetKey(tx, targetStorageId, current.storageKey, fileAtTarget);
  const artifact = await tx.artifact.update({ where: { id: current.id }, data: { storageId: targetStorageId, storageOngoing: true } });
  const owed: OwedWork[] = [
    {
      kind: 'PROMOTE',
      storageId: targetStorageId,
      artifactId: current.id,
      fromKey: staged.stagingKey!,
      toKey: current.storageKey,
      expected: staged.fingerprint!,
      previous: { ...previousFields(current), storageId: current.storageId },
    },
  ];
  // Another artifact may point to the same object (a registered path saved twice): then it stays.
  const sharedBy = await tx.artifact.count({ where: { storageId: current.storageId, storageKey: current.storageKey } });
  if (sharedBy === 0) owed.push({ kind: 'DELETE', storageId: current.storageId, artifactId: null, fromKey: current.storageKey });
  return { value: artifact, owed };
}

export async function moveArtifact(services: ArtifactServices, input: MoveArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  const { db, stores } = services;
  const found = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!found) throw new NotFoundError('artifact', `uid ${input.uid}`);
  const target = await db.storage.findUnique({ where: { uid: input.storageUid } });
  if (!target) throw new NotFoundError('storage', `uid ${input.storageUid}`);
  const { storage: source, ...artifact } = found;
  if (target.id === source.id) return { artifact, created: false, warnings: [`artifact ${artifact.uid} is in storage ${target.uid} already; nothing moved`] };
  if (artifact.storageOngoing) throw new StorageBusyError(`artifact ${artifact.uid} is being stored; move it when storageOngoing clears`);
  if (artifact.nFiles !== null) throw new InvalidInputError('folder artifacts cannot be moved yet', 'input.uid');
  const sourceStore = stores.storeFor(source.root);
  const targetStore = stores.storeFor(target.root);

  // Step 1: a copy of the bytes in the target storage, checked against the artifact's hash.
  let body;
  try {
    body = await sourceStore.get(artifact.storageKey);
  } catch (error) {
    throw storageFailure(error, source.root);
  }
  const staged = await stageStream(target, targetStore, body, { expectedSize: Number(artifact.size) });
  if (!holdsArtifactContent(staged, artifact)) {
    await discardStaged(staged);
    throw new StorageFailedError('ContentChanged', `the object at ${sourceStore.locationOf(artifact.storageKey)} no longer holds the content of artifact ${artifact.uid} (its hash differs); nothing moved. Run trove doctor`);
  }
  const fileAtTarget = (await targetStore.head(artifact.storageKey).catch(() => undefined)) !== undefined;

  const run = await runProtocol<Artifact>(services, {
    store: targetStore,
    storeOf: (storageId) => (storageId === target.id ? targetStore : sourceStore),
    detail: { uid: artifact.uid, key: artifact.key ?? undefined },
    commit: (tx) => commitMove(tx, artifact, target.id, staged, fileAtTarget),
    undo: async (tx, moved) => {
      await tx.artifact.update({ where: { id: moved.id }, data: { ...restoredFields({ ...previousFields(artifact), storageId: source.id }), storageOngoing: false } });
    },
    onCommitFailed: () => discardStaged(staged),
  });
  const warnings = [`moved from ${source.root} to ${target.root}`];
  for (const location of run.deferred) warnings.push(`could not delete the old object at ${location} yet; recovery will retry`);
  return { artifact: { ...run.value, storageOngoing: false }, created: false, warnings };
}
