// Relocating an artifact's bytes under the same uid, through the storage protocol (protocol.ts), so that at every step
// the artifact is readable from one of the two places: moveArtifact (another storage, same storage key) and the
// change of a real key (same storage, the object moves to the new key, as the issue asks where LaminDB refuses).
//
//   1. Stage    the object is copied to a staging key in the target storage and hashed on the way; bytes that are not
//               the artifact's content are refused (nothing moves).
//   2. Commit   the row points to the new place (storageOngoing), the promotion is owed with the old place (and any
//               field edited with it) as its `previous`, and the old object's deletion is owed.
//   3. Perform  the promotion, then the deletion of the old object.
//
// A failed promotion (live or in recovery) puts the row back to the old place, whose object was not touched yet; the
// owed deletion of the old object then finds the artifact there again and leaves it (recovery's occupant check).
// A folder relocates file by file in the same steps: every file copied and the copies checked against the folder's
// md5-d hash, one promotion per file and each old file's deletion owed by one commit, decided together by recovery.
import type { Artifact, Storage } from '../../db/generated/client';
import { InvalidInputError, isUniqueViolation, KeyOccupiedError, NotFoundError, StorageBusyError, StorageFailedError, VersionTagTakenError } from '../errors';
import { keyLock, type Tx } from '../locks';
import { runBounded } from '../bounded';
import { folderHash } from '../../storage/hashing';
import { stagingKey } from '../../storage/keys';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store';
import { prepareTargetKey } from './commit';
import { type PreviousFields, previousFields, restoredFields } from './previous-fields';
import { deleteMovedOf, type OwedWork, refuseWhileWorkOwed, runProtocol } from './protocol';
import { lockedArtifact } from './lookup';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { discardStaged, holdsAnything, newUploadId, stageStream, type StagedContent, storageFailure } from './staging';

export interface MoveArtifactInput {
  uid: string;
  /** The storage the artifact moves to. */
  storageUid: string;
}

/** Fields edited together with a relocation (updateArtifact): applied in its commit, put back by its undo. */
export interface EditedFields {
  description?: string | null;
  kind?: string | null;
  versionTag?: string | null;
}

export interface Relocation {
  artifact: Artifact;
  source: Storage;
  target: Storage;
  /** Where the object goes in `target`. */
  storageKey: string;
  /** The new real key, when it changes (it is the storage key). */
  key?: string;
  fields?: EditedFields;
  /** For messages: "move" or "rename". */
  verb: string;
}

/** The staged copy holds the artifact's content: the same hash where the hash types agree, else the same size. */
function holdsArtifactContent(staged: StagedContent, artifact: Artifact): boolean {
  if (staged.size !== Number(artifact.size)) return false;
  // An object registered from an S3 multipart ETag carries an md5-N hash, which no stream re-computes.
  if (staged.hashType !== artifact.hashType) return true;
  return staged.hash === artifact.hash && (artifact.fullChecksum === null || staged.fullChecksum === artifact.fullChecksum);
}

/** Step 2: the row points to the new place, the promotion and the old object's deletion are owed. */
async function commitRelocation(tx: Tx, relocation: Relocation, copy: StagedCopy, fileAtTarget: boolean): Promise<{ value: Relocated; owed: OwedWork[] }> {
  const { artifact: seen, target, storageKey, key, fields = {} } = relocation;
  const current = await lockedArtifact(tx, seen, ...(key ? [keyLock(target.id, key)] : []));
  if (current.storageId !== seen.storageId || current.storageKey !== seen.storageKey || current.hash !== seen.hash) {
    throw new StorageBusyError(`artifact ${seen.uid} changed while its bytes were copied; ${relocation.verb} it again`);
  }
  await refuseWhileWorkOwed(tx, current, relocation.verb);
  const occupant = await tx.artifact.findFirst({ where: { storageId: target.id, storageKey } });
  if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
  await prepareTargetKey(tx, target.id, storageKey, fileAtTarget, current.nFiles !== null);
  const artifact = await tx.artifact
    .update({ where: { id: current.id }, data: { storageId: target.id, storageKey, key: key ?? undefined, ...fields, storageOngoing: true } })
    .catch((error: unknown) => {
      throw isUniqueViolation(error, 'versionTag') && fields.versionTag ? new VersionTagTakenError(fields.versionTag) : error;
    });
  // What the undo (live or in recovery) puts back: the old place, and the fields edited with it.
  const previous: PreviousFields = { ...previousFields(current), storageId: current.storageId };
  for (const field of Object.keys(fields) as (keyof EditedFields)[]) previous[field] = current[field];
  if (copy.files) {
    // A folder: one promotion per file into the new place, then each old file's deletion.
    const owed: OwedWork[] = copy.files.map((file) => ({
      kind: 'PROMOTE',
      storageId: target.id,
      artifactId: current.id,
      fromKey: file.staged.stagingKey!,
      toKey: `${storageKey}/${file.path}`,
      expected: { ...file.staged.fingerprint!, hash: file.staged.hash },
      previous,
    }));
    for (const file of copy.files) owed.push({ kind: 'DELETE', storageId: current.storageId, artifactId: null, fromKey: `${current.storageKey}/${file.path}` });
    return { value: { artifact, previous }, owed };
  }
  const staged = copy.staged!;
  const owed: OwedWork[] = [{ kind: 'PROMOTE', storageId: target.id, artifactId: current.id, fromKey: staged.stagingKey!, toKey: storageKey, expected: staged.fingerprint!, previous }];
  // Another artifact may point to the same object (a registered path saved twice): then it stays.
  const sharedBy = await tx.artifact.count({ where: { storageId: current.storageId, storageKey: current.storageKey } });
  if (sharedBy === 0) owed.push({ kind: 'DELETE', storageId: current.storageId, artifactId: null, fromKey: current.storageKey });
  return { value: { artifact, previous }, owed };
}

/** What the commit did: the row as it is now, and what its undo puts back. */
interface Relocated {
  artifact: Artifact;
  previous: PreviousFields;
}

/** Steps 1 to 3 of a relocation; answers the artifact in its new place and the deletions that are still owed. */
export async function relocateArtifact(services: ArtifactServices, relocation: Relocation): Promise<{ artifact: Artifact; deferred: string[] }> {
  const { artifact, source, target } = relocation;
  if (artifact.storageOngoing) throw new StorageBusyError(`artifact ${artifact.uid} is being stored; ${relocation.verb} it when storageOngoing clears`);
  const sourceStore = services.stores.storeFor(source.root);
  const targetStore = services.stores.storeFor(target.root);

  // Step 1: a copy of the bytes in the target storage, checked against the artifact's hash.
  const copy = artifact.nFiles !== null ? await stageFolderCopy(relocation, sourceStore, targetStore) : { staged: await stageObjectCopy(relocation, sourceStore, targetStore) };
  const fileAtTarget = await holdsAnything(targetStore, relocation.storageKey, artifact.nFiles !== null);

  const run = await runProtocol<Relocated>(services, {
    store: targetStore,
    storeOf: (storageId) => (storageId === target.id ? targetStore : sourceStore),
    detail: { uid: artifact.uid, key: artifact.key ?? undefined },
    parallelMoves: copy.files ? PARALLEL_FILES : 1,
    commitTimeoutMs: copy.files ? 5_000 + copy.files.length : undefined,
    commit: (tx) => commitRelocation(tx, relocation, copy, fileAtTarget),
    undo: async (tx, relocated, moved) => {
      await tx.artifact.update({ where: { id: relocated.artifact.id }, data: { ...restoredFields(relocated.previous), storageOngoing: false } });
      // A folder's files already copied into the new place go again; the old ones were not touched.
      return copy.files ? deleteMovedOf(new Set([relocated.artifact.id]), moved) : [];
    },
    onCommitFailed: () => discardCopy(copy),
  });
  return { artifact: { ...run.value.artifact, storageOngoing: false }, deferred: run.deferred };
}

/** Files copied, listed, hashed or deleted at a time when a folder moves. */
const PARALLEL_FILES = 8;

/** What step 1 staged in the target: the object's copy, or each file of a folder. */
interface StagedCopy {
  staged?: StagedContent;
  files?: { path: string; staged: StagedContent }[];
}

async function discardCopy(copy: StagedCopy): Promise<void> {
  if (copy.staged) await discardStaged(copy.staged);
  await runBounded(copy.files?.length ?? 0, PARALLEL_FILES, (index) => discardStaged(copy.files![index]!.staged));
}

async function stageObjectCopy(relocation: Relocation, sourceStore: ObjectStore, targetStore: ObjectStore): Promise<StagedContent> {
  const { artifact, source, target } = relocation;
  let body;
  try {
    body = await sourceStore.get(artifact.storageKey);
  } catch (error) {
    throw storageFailure(error, source.root);
  }
  const staged = await stageStream(target, targetStore, body, { expectedSize: Number(artifact.size) });
  if (!holdsArtifactContent(staged, artifact)) {
    await discardStaged(staged);
    throw contentChanged(sourceStore.locationOf(artifact.storageKey), artifact);
  }
  return staged;
}

function contentChanged(location: string, artifact: Artifact): StorageFailedError {
  return new StorageFailedError(
    'ContentChanged',
    `the object at ${location} no longer holds the content of artifact ${artifact.uid} (its hash differs); nothing was changed. Run trove doctor`,
  );
}

/**
 * Step 1 for a folder: each file copied to a staging key of its own in the target, hashed on the way; the copies must
 * make the folder's md5-d hash again (or, for files whose S3 multipart ETags no stream recomputes, its file count and
 * size).
 */
async function stageFolderCopy(relocation: Relocation, sourceStore: ObjectStore, targetStore: ObjectStore): Promise<StagedCopy> {
  const { artifact, source, target } = relocation;
  const prefix = `${artifact.storageKey}/`;
  const listed: ObjectInfo[] = [];
  try {
    for await (const object of sourceStore.list(prefix)) listed.push(object);
  } catch (error) {
    throw storageFailure(error, source.root);
  }
  const stagingPrefix = stagingKey(newUploadId());
  const files = new Array<{ path: string; staged: StagedContent }>(listed.length);
  try {
    await runBounded(listed.length, PARALLEL_FILES, async (index) => {
      const object = listed[index]!;
      const staged = await stageStream(target, targetStore, await sourceStore.get(object.key), { expectedSize: object.size, key: `${stagingPrefix}/${index}` });
      files[index] = { path: object.key.slice(prefix.length), staged };
    });
  } catch (error) {
    // The copies made before the failure (the others' slots are empty).
    await discardCopy({ files: files.filter(Boolean) });
    throw storageFailure(error, source.root);
  }
  const size = listed.reduce((total, object) => total + object.size, 0);
  const multipart = listed.some((object) => object.etag?.includes('-'));
  const same = folderHash(files.map((file) => file.staged.hash)) === artifact.hash || (multipart && listed.length === artifact.nFiles && size === Number(artifact.size));
  if (!same) {
    await discardCopy({ files });
    throw contentChanged(sourceStore.locationOf(artifact.storageKey), artifact);
  }
  return { files };
}

export async function moveArtifact(services: ArtifactServices, input: MoveArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  const { db } = services;
  const found = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!found) throw new NotFoundError('artifact', `uid ${input.uid}`);
  const target = await db.storage.findUnique({ where: { uid: input.storageUid } });
  if (!target) throw new NotFoundError('storage', `uid ${input.storageUid}`);
  const { storage: source, ...artifact } = found;
  if (target.id === source.id) return { artifact, created: false, warnings: [`artifact ${artifact.uid} is in storage ${target.uid} already; nothing moved`] };
  const moved = await relocateArtifact(services, { artifact, source, target, storageKey: artifact.storageKey, verb: 'move' });
  const warnings = [`moved from ${source.root} to ${target.root}`];
  for (const location of moved.deferred) warnings.push(`could not delete the old object at ${location} yet; recovery will retry`);
  return { artifact: moved.artifact, created: false, warnings };
}
