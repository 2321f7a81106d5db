// Step 4 of the save protocol: recovery. Every storage operation a committed transaction still owes, and every
// artifact still flagged `storageOngoing`, is finished or undone once it is older than the grace period; staged
// objects that nothing owns are deleted. It runs at start-up and on a timer, and `trove doctor --repair` runs it.
//
// How it decides: an operation is FINISHED when its bytes are verifiably there (the staged object, or the final
// object with the expected size and, for a replace, the expected hash); otherwise it is UNDONE (a new artifact's
// row is deleted; a replaced artifact gets its previous fields back, whose object was never touched).
import type { Artifact, StorageOperation } from '../../db/generated/client';
import { hashObject } from '../../storage/hash-object';
import { STAGING_PREFIX } from '../../storage/keys';
import type { ObjectStore } from '../../storage/object-store';
import { familyLock, lock } from '../locks';
import { type PreviousFields, restoredFields } from '../artifacts/replace';
import type { ArtifactServices } from '../artifacts/services';

export interface SweepReport {
  finished: string[];
  undone: string[];
  objectsDeleted: string[];
  uploadsExpired: string[];
  errors: string[];
}

async function contentMatches(store: ObjectStore, key: string, artifact: Pick<Artifact, 'size' | 'hash' | 'fullChecksum'>): Promise<boolean> {
  const info = await store.head(key);
  if (!info || info.size !== Number(artifact.size)) return false;
  const content = await hashObject(store, key, info.size);
  return content.hash === artifact.hash && content.fullChecksum === artifact.fullChecksum;
}

async function finish(services: ArtifactServices, artifact: Artifact, operationId: number): Promise<void> {
  await services.db.$transaction(async (tx) => {
    await tx.storageOperation.deleteMany({ where: { id: operationId } });
    const pending = await tx.storageOperation.count({ where: { artifactId: artifact.id, kind: 'PROMOTE' } });
    if (pending === 0) await tx.artifact.updateMany({ where: { id: artifact.id }, data: { storageOngoing: false } });
  });
}

async function undoCreation(services: ArtifactServices, artifact: Artifact): Promise<void> {
  await services.db.$transaction(async (tx) => {
    const stem = artifact.uid.slice(0, 16);
    await lock(tx, familyLock(stem));
    await tx.storageOperation.deleteMany({ where: { artifactId: artifact.id, kind: 'PROMOTE' } });
    await tx.artifact.deleteMany({ where: { id: artifact.id } });
    if (artifact.isLatest) {
      const previous = await tx.artifact.findFirst({ where: { uid: { startsWith: stem }, branch: 'MAIN' }, orderBy: { id: 'desc' } });
      if (previous) await tx.artifact.update({ where: { id: previous.id }, data: { isLatest: true } });
    }
  });
}

async function recoverPromotion(services: ArtifactServices, operation: StorageOperation, store: ObjectStore, report: SweepReport) {
  const artifact = operation.artifactId ? await services.db.artifact.findUnique({ where: { id: operation.artifactId } }) : null;
  const newer = artifact ? await services.db.storageOperation.count({ where: { artifactId: artifact.id, kind: 'PROMOTE', id: { gt: operation.id } } }) : 0;
  if (!artifact || artifact.storageKey !== operation.toKey || !artifact.storageOngoing || newer > 0) {
    // The artifact is gone, points elsewhere, is complete, or a later save supersedes this one: the staged bytes
    // belong to nobody (moving them now could overwrite newer content).
    await store.delete(operation.fromKey);
    await services.db.storageOperation.deleteMany({ where: { id: operation.id } });
    report.objectsDeleted.push(store.locationOf(operation.fromKey));
    return;
  }
  const previous = operation.previous as PreviousFields | null;
  const staged = await store.head(operation.fromKey);
  if (staged && (await contentMatches(store, operation.fromKey, artifact))) {
    await store.move(operation.fromKey, operation.toKey);
    await finish(services, artifact, operation.id);
    report.finished.push(artifact.uid);
    return;
  }
  // The move may have happened before the crash; for a replace onto the same key, only the hash tells old from new.
  const placed = previous ? await contentMatches(store, operation.toKey, artifact) : (await store.head(operation.toKey))?.size === Number(artifact.size);
  if (placed) {
    await finish(services, artifact, operation.id);
    report.finished.push(artifact.uid);
    return;
  }
  if (staged) await store.delete(operation.fromKey);
  if (previous) {
    await services.db.$transaction(async (tx) => {
      await tx.storageOperation.deleteMany({ where: { artifactId: artifact.id } });
      await tx.artifact.update({ where: { id: artifact.id }, data: { ...restoredFields(previous), storageOngoing: false } });
    });
  } else {
    await undoCreation(services, artifact);
  }
  report.undone.push(artifact.uid);
}

async function recoverDeletion(services: ArtifactServices, operation: StorageOperation, store: ObjectStore, report: SweepReport) {
  const owner = await services.db.artifact.findFirst({ where: { storageId: operation.storageId, storageKey: operation.fromKey } });
  if (!owner) {
    await store.delete(operation.fromKey);
    report.objectsDeleted.push(store.locationOf(operation.fromKey));
  }
  await services.db.storageOperation.deleteMany({ where: { id: operation.id } });
}

const runningSweeps = new WeakMap<object, Promise<unknown>>();

/** Runs `sweep` after any sweep this process is already running on the same database. */
export function sweepExclusive(services: ArtifactServices, options: { graceMs: number }): Promise<SweepReport> {
  const previous = runningSweeps.get(services.db) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => sweep(services, options));
  runningSweeps.set(services.db, next);
  return next;
}

export async function sweep(services: ArtifactServices, options: { graceMs: number }): Promise<SweepReport> {
  const { db, stores } = services;
  const report: SweepReport = { finished: [], undone: [], objectsDeleted: [], uploadsExpired: [], errors: [] };
  const cutoff = new Date(Date.now() - options.graceMs);
  const storages = await db.storage.findMany();
  const storeOf = new Map(storages.map((storage) => [storage.id, stores.storeFor(storage.root)]));

  for (const operation of await db.storageOperation.findMany({ where: { createdAt: { lt: cutoff } }, orderBy: { id: 'asc' } })) {
    const store = storeOf.get(operation.storageId)!;
    try {
      if (operation.kind === 'PROMOTE') await recoverPromotion(services, operation, store, report);
      else await recoverDeletion(services, operation, store, report);
    } catch (error) {
      // Another process's sweep (or the save itself) may have completed this operation meanwhile.
      const pending = await db.storageOperation.findUnique({ where: { id: operation.id } });
      if (pending) report.errors.push(`operation ${operation.id} (${operation.kind} ${operation.fromKey}): ${(error as Error).message}`);
    }
  }

  // Flagged rows with no operation left (their operation was lost with a crash before it was written cannot happen:
  // both are in one transaction; this covers rows flagged by hand or by older versions).
  for (const artifact of await db.artifact.findMany({ where: { storageOngoing: true, updatedAt: { lt: cutoff }, pendingOperations: { none: {} } } })) {
    const store = storeOf.get(artifact.storageId)!;
    try {
      if ((await store.head(artifact.storageKey))?.size === Number(artifact.size)) {
        await db.artifact.update({ where: { id: artifact.id }, data: { storageOngoing: false } });
        report.finished.push(artifact.uid);
      } else {
        await undoCreation(services, artifact);
        report.undone.push(artifact.uid);
      }
    } catch (error) {
      report.errors.push(`artifact ${artifact.uid}: ${(error as Error).message}`);
    }
  }

  for (const upload of await db.uploadSession.findMany({ where: { status: { in: ['OPEN', 'RECEIVED'] }, expiresAt: { lt: new Date() } } })) {
    const store = storeOf.get(upload.storageId)!;
    try {
      if (upload.s3MultipartId) await store.multipart?.abort(upload.stagingKey, upload.s3MultipartId).catch(() => undefined);
      await store.delete(upload.stagingKey);
      await db.uploadSession.update({ where: { id: upload.id }, data: { status: 'ABORTED' } });
      report.uploadsExpired.push(upload.uploadId);
    } catch (error) {
      report.errors.push(`upload ${upload.uploadId}: ${(error as Error).message}`);
    }
  }

  // Staged objects nobody owns: left by a crash before the commit, or by a failed cleanup.
  for (const storage of storages) {
    const store = storeOf.get(storage.id)!;
    try {
      const owned = new Set([
        ...(await db.storageOperation.findMany({ where: { storageId: storage.id }, select: { fromKey: true } })).map((operation) => operation.fromKey),
        ...(await db.uploadSession.findMany({ where: { storageId: storage.id, status: { in: ['OPEN', 'RECEIVED'] } }, select: { stagingKey: true } })).map(
          (upload) => upload.stagingKey,
        ),
      ]);
      for await (const object of store.list(STAGING_PREFIX)) {
        const stagingKey = object.key.replace(/\.[0-9a-f]{12}\.part$/, '');
        const recent = options.graceMs > 0 && object.lastModified !== undefined && object.lastModified >= cutoff;
        if (owned.has(stagingKey) || recent) continue;
        await store.delete(object.key);
        report.objectsDeleted.push(store.locationOf(object.key));
      }
    } catch (error) {
      report.errors.push(`storage ${storage.root}: ${(error as Error).message}`);
    }
  }
  return report;
}
