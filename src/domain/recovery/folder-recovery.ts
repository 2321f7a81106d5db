// Recovery of a folder whose promotions a dead run left (an upload, a move, a real key's change): the folder's files
// are decided together, never one by one. When every file is still staged as hashed or already in place, the staged ones are moved and the folder
// is finished; when any file is lost, the whole folder is undone: its row goes and every file, staged or placed,
// becomes an owed deletion in the same transaction (performed at once, or by the next recovery after a crash).
import type { Artifact, StorageOperation } from '../../db/generated/client';
import type { ObjectStore } from '../../storage/object-store';
import {
  claimExpiredWork,
  type Fingerprint,
  fingerprintOf,
  Lease,
  moveIntoPlace,
  newLeaseOwner,
  type OwedWork,
  ownsWork,
  recordOwedWork,
  releaseWork,
} from '../artifacts/protocol';
import { type PreviousFields, restoredFields } from '../artifacts/previous-fields';
import { removeCreated } from '../artifacts/save';
import type { ArtifactServices } from '../artifacts/services';
import { runBounded } from '../bounded';
import { clearClaimed, holdsBytes, type SweepReport } from './sweep';

/** Files of a folder looked at, moved or deleted at a time. */
const PARALLEL_FILES = 8;

/** The object at `key` is the file that was hashed (its promotion's fingerprint carries the file's hash). */
function holdsFile(store: ObjectStore, key: string, expected: Fingerprint): Promise<boolean> {
  return holdsBytes(store, key, { size: expected.size, hash: expected.hash }, expected);
}

/** Artifacts among `operations` that are folders: their promotions are recovered together. */
export async function foldersAmong(services: ArtifactServices, operations: StorageOperation[]): Promise<Set<number>> {
  const ids = [...new Set(operations.filter((operation) => operation.kind === 'PROMOTE' && operation.artifactId !== null).map((operation) => operation.artifactId!))];
  if (!ids.length) return new Set();
  const folders = await services.db.artifact.findMany({ where: { id: { in: ids }, nFiles: { not: null } }, select: { id: true } });
  return new Set(folders.map((folder) => folder.id));
}

/** Finishes or undoes every expired promotion of the folder artifact `artifactId`, as one decision. */
export async function recoverFolder(services: ArtifactServices, artifactId: number, store: ObjectStore, report: SweepReport): Promise<void> {
  const { db, config } = services;
  const promotions = await db.storageOperation.findMany({ where: { artifactId, kind: 'PROMOTE' }, orderBy: { id: 'asc' } });
  const owner = newLeaseOwner();
  const ids = promotions.map((promotion) => promotion.id);
  const claimed = await claimExpiredWork(db, ids, owner, config.leaseMs);
  if (claimed.length < ids.length) {
    // Part of the folder is still leased (or done meanwhile): it is not ours to decide yet.
    await releaseWork(db, owner, claimed);
    return;
  }
  const lease = new Lease(db, owner, ids, config.leaseMs);
  try {
    await services.faults.reach('recovery.afterClaim', {});
    const artifact = await db.artifact.findUnique({ where: { id: artifactId } });
    if (!artifact?.storageOngoing) return await dropStaged(services, owner, promotions, store, report);
    const states = new Array<'staged' | 'placed' | 'lost'>(promotions.length);
    await runBounded(promotions.length, PARALLEL_FILES, async (index) => {
      const promotion = promotions[index]!;
      const expected = promotion.expected as unknown as Fingerprint;
      states[index] = (await holdsFile(store, promotion.fromKey, expected)) ? 'staged' : (await holdsFile(store, promotion.toKey!, expected)) ? 'placed' : 'lost';
    });
    if (states.every((state) => state !== 'lost')) return await finishFolder(services, owner, artifact, promotions, states, store, report);
    await undoFolder(services, owner, artifact, promotions, store, report);
  } finally {
    await lease.stop();
  }
}

async function finishFolder(
  services: ArtifactServices,
  owner: string,
  artifact: Artifact,
  promotions: StorageOperation[],
  states: string[],
  store: ObjectStore,
  report: SweepReport,
): Promise<void> {
  await runBounded(promotions.length, PARALLEL_FILES, async (index) => {
    if (states[index] !== 'staged') return;
    const promotion = promotions[index]!;
    await moveIntoPlace(store, promotion.fromKey, promotion.toKey!, fingerprintOf((await store.head(promotion.fromKey))!));
  });
  if (await clearClaimed(services, owner, promotions)) report.finished.push(artifact.uid);
}

async function undoFolder(services: ArtifactServices, owner: string, artifact: Artifact, promotions: StorageOperation[], store: ObjectStore, report: SweepReport): Promise<void> {
  const { db, config } = services;
  const deletions = await db.$transaction(async (tx) => {
    if (!(await ownsWork(tx, owner, promotions.map((promotion) => promotion.id)))) return undefined;
    await tx.storageOperation.deleteMany({ where: { id: { in: promotions.map((promotion) => promotion.id) } } });
    // A new folder's row goes; a moved or renamed one points to its old place again, whose files were not touched
    // (their owed deletions then find them owned again and leave them).
    const previous = promotions[0]!.previous as PreviousFields | null;
    if (previous) await tx.artifact.update({ where: { id: artifact.id }, data: { ...restoredFields(previous), storageOngoing: false } });
    else await removeCreated(tx, artifact);
    const owed = promotions.flatMap((promotion): OwedWork[] => [
      { kind: 'DELETE', storageId: promotion.storageId, artifactId: null, fromKey: promotion.fromKey },
      { kind: 'DELETE', storageId: promotion.storageId, artifactId: null, fromKey: promotion.toKey! },
    ]);
    return recordOwedWork(tx, owed, owner, config.leaseMs);
  });
  if (!deletions) return;
  report.undone.push(artifact.uid);
  await deleteOwned(services, owner, deletions, store, report, `staged and placed files of the undone folder ${artifact.uid}`);
}

/** The folder is complete or gone: what is still staged for it belongs to nobody. */
async function dropStaged(services: ArtifactServices, owner: string, promotions: StorageOperation[], store: ObjectStore, report: SweepReport): Promise<void> {
  await deleteOwned(services, owner, promotions, store, report, `staged files of a folder no longer being stored`);
}

/** Deletes the objects of owed work held by `owner`, then the work itself (what is no longer ours stays owed). */
async function deleteOwned(services: ArtifactServices, owner: string, work: StorageOperation[], store: ObjectStore, report: SweepReport, what: string): Promise<void> {
  await runBounded(work.length, PARALLEL_FILES, async (index) => store.delete(work[index]!.fromKey));
  const cleared = await services.db.$executeRaw`DELETE FROM "StorageOperation" WHERE id = ANY(${work.map((operation) => operation.id)}) AND "leaseOwner" = ${owner}`;
  // One line per folder: a folder may have thousands of files.
  if (cleared) report.objectsDeleted.push(`${store.locationOf('')}: ${work.length} objects (${what})`);
}
