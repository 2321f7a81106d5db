// Recovery: the storage protocol's answer to a run that died (protocol.ts). Owed work whose lease has expired is
// claimed (a lease of our own, so no two recoveries and no late save do it twice), then finished when its bytes
// are verifiably there (the staged object unchanged since it was hashed, or the final object already in place) and
// undone otherwise (a new artifact's row goes; a replaced one gets its previous fields, whose object was never
// touched). Work whose lease is live is never touched, however long it takes.
//
// The full sweep also deletes staged objects nothing owns (left by a crash before any commit) once they are older
// than the grace period, and expires upload sessions. It runs at start-up, on a timer, and on `trove doctor --repair`;
// the owed work alone is looked at every few seconds (see scheduler.ts).
import type { Artifact, StorageOperation } from '../../db/generated/client';
import { hashObject } from '../../storage/hash-object';
import { ancestorsOf, STAGING_PREFIX, stagingOwners } from '../../storage/keys';
import { settleIntent } from '../artifacts/in-place';
import type { ObjectStore } from '../../storage/object-store';
import { type PreviousFields, restoredFields } from '../artifacts/previous-fields';
import { claimExpiredWork, type Fingerprint, fingerprintOf, Lease, moveIntoPlace, newLeaseOwner, ownsWork, settleArtifacts } from '../artifacts/protocol';
import { removeCreated } from '../artifacts/save';
import type { ArtifactServices } from '../artifacts/services';
import { discardFolderStaging } from '../artifacts/folder-uploads';
import { SimulatedCrash } from '../fault-points';
import { foldersAmong, recoverFolder } from './folder-recovery';

export interface SweepReport {
  finished: string[];
  undone: string[];
  objectsDeleted: string[];
  uploadsExpired: string[];
  /** Owed work left for later on purpose: a deletion waiting until the change that may fall back to its object is decided. */
  waiting: string[];
  errors: string[];
}

export function emptyReport(): SweepReport {
  return { finished: [], undone: [], objectsDeleted: [], uploadsExpired: [], waiting: [], errors: [] };
}

/**
 * The staged or placed object at `key` holds `content`: unchanged since it was fingerprinted (`expected`: size, etag
 * or mtime), or re-hashed to its hash (and full checksum, where one is given). Without a hash, only the fingerprint says.
 */
export async function holdsBytes(
  store: ObjectStore,
  key: string,
  content: { size: number; hash?: string | null; fullChecksum?: string | null },
  expected: Fingerprint | null,
): Promise<boolean> {
  const info = await store.head(key);
  if (!info || info.size !== content.size) return false;
  if (expected && expected.size === info.size && (expected.etag ?? expected.mtimeMs) !== undefined) {
    const now = fingerprintOf(info);
    if ((expected.etag === undefined || expected.etag === now.etag) && (expected.mtimeMs === undefined || expected.mtimeMs === now.mtimeMs)) return true;
  }
  if (content.hash == null) return false;
  const hashed = await hashObject(store, key, info.size);
  return hashed.hash === content.hash && (content.fullChecksum === undefined || hashed.fullChecksum === content.fullChecksum);
}

/** The staged or placed object is the artifact's content. */
function holdsContent(store: ObjectStore, key: string, artifact: Artifact, expected: Fingerprint | null): Promise<boolean> {
  return holdsBytes(store, key, { size: Number(artifact.size), hash: artifact.hash, fullChecksum: artifact.fullChecksum }, expected);
}

/** Clears work we claimed (and storageOngoing where no promotion is owed any more), if all of it is still ours. */
export async function clearClaimed(services: ArtifactServices, owner: string, operations: StorageOperation[]): Promise<boolean> {
  const ids = operations.map((operation) => operation.id);
  return services.db.$transaction(async (tx) => {
    if (!(await ownsWork(tx, owner, ids))) return false;
    await tx.storageOperation.deleteMany({ where: { id: { in: ids } } });
    await settleArtifacts(tx, operations);
    return true;
  });
}

async function recoverPromotion(services: ArtifactServices, operation: StorageOperation, owner: string, store: ObjectStore, report: SweepReport) {
  const { db } = services;
  const artifact = operation.artifactId ? await db.artifact.findUnique({ where: { id: operation.artifactId } }) : null;
  if (!artifact || artifact.storageId !== operation.storageId || artifact.storageKey !== operation.toKey || !artifact.storageOngoing) {
    // The artifact is gone, points elsewhere or is complete: the staged bytes belong to nobody.
    await store.delete(operation.fromKey);
    if (await clearClaimed(services, owner, [operation])) report.objectsDeleted.push(store.locationOf(operation.fromKey));
    return;
  }
  const expected = operation.expected as Fingerprint | null;
  const previous = operation.previous as PreviousFields | null;
  if (await holdsContent(store, operation.fromKey, artifact, expected)) {
    await moveIntoPlace(store, operation.fromKey, operation.toKey!, fingerprintOf((await store.head(operation.fromKey))!));
    if (await clearClaimed(services, owner, [operation])) report.finished.push(artifact.uid);
    return;
  }
  // The move may have happened before the crash; for a replace onto the same key, only the content tells old from new.
  if (await holdsContent(store, operation.toKey!, artifact, previous && previous.storageKey === operation.toKey ? null : expected)) {
    if (await clearClaimed(services, owner, [operation])) report.finished.push(artifact.uid);
    return;
  }
  const undone = await db.$transaction(async (tx) => {
    if (!(await ownsWork(tx, owner, [operation.id]))) return false;
    await tx.storageOperation.deleteMany({ where: { id: operation.id } });
    if (previous) await tx.artifact.update({ where: { id: artifact.id }, data: { ...restoredFields(previous), storageOngoing: false } });
    else await removeCreated(tx, artifact);
    return true;
  });
  if (!undone) return;
  await store.delete(operation.fromKey).catch(() => undefined);
  report.undone.push(artifact.uid);
}

async function recoverDeletion(services: ArtifactServices, operation: StorageOperation, owner: string, store: ObjectStore, report: SweepReport) {
  // The object is the `previous` place of an unresolved replace or move: its undo may point the artifact back here,
  // so the object stays until that promotion is finished (then it goes) or undone (then it is the artifact's again).
  // (A folder's old files lie under its previous key.)
  const [undecided] = await services.db.$queryRaw<{ id: number }[]>`
    SELECT id FROM "StorageOperation"
    WHERE kind = 'PROMOTE' AND (previous->>'storageKey' = ${operation.fromKey} OR starts_with(${operation.fromKey}, (previous->>'storageKey') || '/'))
      AND coalesce((previous->>'storageId')::int, "storageId") = ${operation.storageId}
    LIMIT 1`;
  if (undecided) {
    report.waiting.push(`kept ${store.locationOf(operation.fromKey)} while the change that replaced it (operation ${undecided.id}) is unresolved; retried later`);
    return;
  }
  // An artifact may own the key again (a save reused a real key, an undone folder move put a folder back over it):
  // then the bytes there are its, not ours to delete.
  const occupant = await services.db.artifact.findFirst({
    where: { storageId: operation.storageId, OR: [{ storageKey: operation.fromKey }, { storageKey: { in: ancestorsOf(operation.fromKey) }, nFiles: { not: null } }] },
  });
  if (!occupant) await store.delete(operation.fromKey);
  if ((await clearClaimed(services, owner, [operation])) && !occupant) report.objectsDeleted.push(store.locationOf(operation.fromKey));
}

/** Claims and recovers every piece of owed work whose lease has expired. */
export async function recoverExpiredWork(services: ArtifactServices, storeOf: (storageId: number) => ObjectStore, report: SweepReport): Promise<void> {
  const { db, config } = services;
  const expired = await db.$queryRaw<StorageOperation[]>`
    SELECT * FROM "StorageOperation" WHERE "leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= now() ORDER BY id`;
  const folders = await foldersAmong(services, expired);
  const foldersSeen = new Set<number>();
  for (const operation of expired) {
    if (operation.kind === 'PROMOTE' && operation.artifactId !== null && folders.has(operation.artifactId)) {
      if (foldersSeen.has(operation.artifactId)) continue;
      foldersSeen.add(operation.artifactId);
      await recoverFolder(services, operation.artifactId, storeOf(operation.storageId), report).catch((error: unknown) => {
        if (error instanceof SimulatedCrash) throw error;
        report.errors.push(`folder artifact ${operation.artifactId}: ${(error as Error).message}`);
      });
      continue;
    }
    const owner = newLeaseOwner();
    const [claimed] = await claimExpiredWork(db, [operation.id], owner, config.leaseMs);
    if (claimed === undefined) continue; // finished, or claimed by someone else, meanwhile
    const lease = new Lease(db, owner, [operation.id], config.leaseMs);
    const store = storeOf(operation.storageId);
    try {
      await services.faults.reach('recovery.afterClaim', {});
      if (operation.kind === 'PROMOTE') await recoverPromotion(services, operation, owner, store, report);
      else await recoverDeletion(services, operation, owner, store, report);
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      report.errors.push(`operation ${operation.id} (${operation.kind} ${operation.fromKey}): ${(error as Error).message}`);
    } finally {
      await lease.stop();
    }
  }
}

const runningSweeps = new WeakMap<object, Promise<unknown>>();

/** Runs `sweep` after any sweep this process is already running on the same database. */
export function sweepExclusive(services: ArtifactServices, options: { graceMs: number; onlyOwedWork?: boolean }): Promise<SweepReport> {
  const previous = runningSweeps.get(services.db) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => sweep(services, options));
  runningSweeps.set(services.db, next);
  return next;
}

export async function sweep(services: ArtifactServices, options: { graceMs: number; onlyOwedWork?: boolean }): Promise<SweepReport> {
  const { db, stores } = services;
  const report = emptyReport();
  const cutoff = new Date(Date.now() - options.graceMs);
  const storages = await db.storage.findMany();
  const storeById = new Map(storages.map((storage) => [storage.id, stores.storeFor(storage.root)]));
  const storeOf = (storageId: number) => storeById.get(storageId)!;

  await recoverExpiredWork(services, storeOf, report);
  if (options.onlyOwedWork) return report;

  // Flagged rows with no work owed: left by versions of Trove before owed work was recorded with the row.
  for (const artifact of await db.artifact.findMany({ where: { storageOngoing: true, updatedAt: { lt: cutoff }, pendingOperations: { none: {} } } })) {
    const store = storeOf(artifact.storageId);
    try {
      if ((await store.head(artifact.storageKey))?.size === Number(artifact.size)) {
        await db.artifact.update({ where: { id: artifact.id }, data: { storageOngoing: false } });
        report.finished.push(artifact.uid);
      } else {
        await db.$transaction((tx) => removeCreated(tx, artifact));
        report.undone.push(artifact.uid);
      }
    } catch (error) {
      report.errors.push(`artifact ${artifact.uid}: ${(error as Error).message}`);
    }
  }

  for (const upload of await db.uploadSession.findMany({ where: { status: { in: ['OPEN', 'RECEIVED'] }, expiresAt: { lt: new Date() } } })) {
    const store = storeOf(upload.storageId);
    try {
      if (upload.s3MultipartId) await store.multipart?.abort(upload.stagingKey, upload.s3MultipartId).catch(() => undefined);
      const expired = await db.uploadSession.updateMany({ where: { id: upload.id, status: { in: ['OPEN', 'RECEIVED'] } }, data: { status: 'ABORTED' } });
      if (expired.count) await (upload.nFiles !== null ? discardFolderStaging(store, upload.stagingKey) : store.delete(upload.stagingKey));
      report.uploadsExpired.push(upload.uploadId);
    } catch (error) {
      report.errors.push(`upload ${upload.uploadId}: ${(error as Error).message}`);
    }
  }

  // Staged objects nobody owns: left by a crash before the commit, or by a failed cleanup.
  for (const storage of storages) {
    const store = storeOf(storage.id);
    try {
      const owned = new Set([
        ...(await db.storageOperation.findMany({ where: { storageId: storage.id }, select: { fromKey: true } })).map((operation) => operation.fromKey),
        ...(await db.uploadSession.findMany({ where: { storageId: storage.id, status: { in: ['OPEN', 'RECEIVED'] } }, select: { stagingKey: true } })).map(
          (upload) => upload.stagingKey,
        ),
      ]);
      for await (const object of store.list(STAGING_PREFIX)) {
        const recent = options.graceMs > 0 && object.lastModified !== undefined && object.lastModified >= cutoff;
        if (stagingOwners(object.key).some((key) => owned.has(key)) || recent) continue;
        // A write intent: the keys it lists go too, unless a row owns them or owed work reads them.
        report.objectsDeleted.push(...(await settleIntent(services, storage.id, store, object.key)));
        await store.delete(object.key);
        report.objectsDeleted.push(store.locationOf(object.key));
      }
    } catch (error) {
      report.errors.push(`storage ${storage.root}: ${(error as Error).message}`);
    }
  }
  return report;
}
