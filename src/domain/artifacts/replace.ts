// replaceArtifact: new content under the same uid (LaminDB's artifact.replace + save), staged so that a failed
// replace keeps the old bytes.
import type { Artifact } from '../../db/generated/client';
import { autoStorageKey } from '../../storage/keys';
import { InvalidInputError, KeyOccupiedError, NotFoundError } from '../errors';
import { artifactLock, hashLock, lock } from '../locks';
import { sameContentWhere } from './commit';
import { prepareSave, type ArtifactSource } from './prepare';
import { moveIntoPlace } from './promote';
import { stage } from './save';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { discardStaged, storageFailure } from './staging';

export function withSuffix(key: string, oldSuffix: string, newSuffix: string): string {
  const stem = oldSuffix && key.endsWith(oldSuffix) ? key.slice(0, -oldSuffix.length) : key;
  return stem + newSuffix;
}

/** What recovery needs to undo an unfinished replace. */
export interface PreviousFields {
  key: string | null;
  suffix: string;
  storageKey: string;
  size: string | null;
  hash: string | null;
  hashType: string | null;
  fullChecksum: string | null;
}

function previousFields(artifact: Artifact): PreviousFields {
  const { key, suffix, storageKey, size, hash, hashType, fullChecksum } = artifact;
  return { key, suffix, storageKey, size: size === null ? null : size.toString(), hash, hashType, fullChecksum };
}

export function restoredFields(previous: PreviousFields) {
  return { ...previous, size: previous.size === null ? null : BigInt(previous.size) };
}

export interface ReplaceArtifactInput {
  uid: string;
  source: ArtifactSource;
  /** Suffix of inline content (default: the artifact's current suffix). */
  suffix?: string | null;
}

export async function replaceArtifact(services: ArtifactServices, input: ReplaceArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  const { db } = services;
  const current = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!current) throw new NotFoundError('artifact', `uid ${input.uid}`);
  if (input.source.kind === 'path') {
    throw new InvalidInputError('an artifact cannot be replaced by an object inside a registered storage; upload the new content instead', 'input.path');
  }
  // Reuses the save validation for the source (suffix, upload state, storage of an upload).
  const prepared = await prepareSave(services, {
    source: input.source,
    description: 'replacement',
    suffix: input.suffix ?? (input.source.kind === 'content' ? current.suffix : undefined),
    storageUid: current.storage.uid,
  });
  const staged = await stage(services, prepared);
  const store = staged.store;

  type Plan = { existing: Artifact } | { updated: Artifact; previous: Artifact; operations: { promoteId: number; deleteId?: number } };
  let plan: Plan;
  try {
    plan = await db.$transaction(async (tx): Promise<Plan> => {
      await lock(tx, hashLock(staged.hash), artifactLock(current.uid));
      if (prepared.upload) await tx.uploadSession.update({ where: { id: prepared.upload.id }, data: { status: 'COMMITTED' } });
      const same = await tx.artifact.findFirst({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
      if (same) return { existing: same };
      const previous = await tx.artifact.findUniqueOrThrow({ where: { id: current.id } });
      const suffix = prepared.suffix;
      const key = previous.key ? withSuffix(previous.key, previous.suffix, suffix) : null;
      const storageKey = key && !previous.keyIsVirtual ? key : autoStorageKey(previous.uid, suffix);
      if (storageKey !== previous.storageKey) {
        const occupant = await tx.artifact.findFirst({ where: { storageId: previous.storageId, storageKey, id: { not: previous.id } } });
        if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
      }
      const updated = await tx.artifact.update({
        where: { id: previous.id },
        data: {
          key,
          suffix,
          storageKey,
          size: BigInt(staged.size),
          hash: staged.hash,
          hashType: staged.hashType,
          fullChecksum: staged.fullChecksum,
          storageOngoing: true,
        },
      });
      const promoteOperation = await tx.storageOperation.create({
        data: {
          kind: 'PROMOTE',
          storageId: previous.storageId,
          artifactId: previous.id,
          fromKey: staged.stagingKey!,
          toKey: storageKey,
          previous: { ...previousFields(previous) },
        },
      });
      let deleteId: number | undefined;
      if (storageKey !== previous.storageKey) {
        const sharedBy = await tx.artifact.count({ where: { storageId: previous.storageId, storageKey: previous.storageKey } });
        if (sharedBy === 0) {
          const operation = await tx.storageOperation.create({
            data: { kind: 'DELETE', storageId: previous.storageId, artifactId: previous.id, fromKey: previous.storageKey },
          });
          deleteId = operation.id;
        }
      }
      return { updated, previous, operations: { promoteId: promoteOperation.id, deleteId } };
    });
  } catch (error) {
    await discardStaged(staged);
    throw error;
  }

  if ('existing' in plan) {
    await discardStaged(staged);
    return { artifact: plan.existing, created: false, warnings: [`returning existing artifact with same hash: ${plan.existing.uid}`] };
  }

  const { updated, previous, operations } = plan;
  const warnings: string[] = [];
  if (updated.key !== previous.key) warnings.push(`replacing the file replaced key '${previous.key}' with '${updated.key}'`);
  try {
    await moveIntoPlace(store, { operationId: operations.promoteId, fromKey: staged.stagingKey!, toKey: updated.storageKey }, staged.size);
  } catch (error) {
    // The old object was not touched: restore the old metadata, drop the staged bytes.
    await db.$transaction(async (tx) => {
      await tx.storageOperation.deleteMany({ where: { id: { in: [operations.promoteId, operations.deleteId ?? -1] } } });
      await tx.artifact.update({ where: { id: previous.id }, data: { ...restoredFields(previousFields(previous)), storageOngoing: false } });
    });
    await discardStaged(staged);
    throw storageFailure(error, store.root);
  }
  if (operations.deleteId !== undefined) {
    try {
      await store.delete(previous.storageKey);
      await db.storageOperation.deleteMany({ where: { id: operations.deleteId } });
      warnings.push(`deleted the previous object at ${store.locationOf(previous.storageKey)}`);
    } catch {
      warnings.push(`could not delete the previous object at ${store.locationOf(previous.storageKey)}; recovery will retry`);
    }
  }
  const artifact = await db.$transaction(async (tx) => {
    await tx.storageOperation.deleteMany({ where: { id: operations.promoteId } });
    return tx.artifact.update({ where: { id: previous.id }, data: { storageOngoing: false } });
  });
  return { artifact, created: false, warnings };
}
