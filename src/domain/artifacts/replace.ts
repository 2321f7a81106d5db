// replaceArtifact: new content under the same uid (LaminDB's artifact.replace + save), through the storage protocol
// (protocol.ts), so that a failed replace keeps the old bytes and the old fields.
import type { Artifact } from '../../db/generated/client';
import { autoStorageKey } from '../../storage/keys';
import { InvalidInputError, KeyOccupiedError, NotFoundError } from '../errors';
import { artifactLock, hashLock, lock, type Tx } from '../locks';
import { claimUpload, prepareTargetKey, sameContentWhere } from './commit';
import { type PreparedSave, prepareSave, type ArtifactSource } from './prepare';
import { previousFields, restoredFields } from './previous-fields';
import { type OwedWork, refuseWhileWorkOwed, runProtocol } from './protocol';
import { stage } from './save';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { discardStaged, type StagedContent } from './staging';

export function withSuffix(key: string, oldSuffix: string, newSuffix: string): string {
  const stem = oldSuffix && key.endsWith(oldSuffix) ? key.slice(0, -oldSuffix.length) : key;
  return stem + newSuffix;
}

export interface ReplaceArtifactInput {
  uid: string;
  source: ArtifactSource;
  /** Suffix of inline content (default: the artifact's current suffix). */
  suffix?: string | null;
}

type ReplacePlan = { kind: 'existing'; artifact: Artifact } | { kind: 'replaced'; artifact: Artifact; previous: Artifact };

/** Where the replaced artifact's object goes: a new suffix changes a real key's suffix, or the auto key. */
function targetOf(current: Artifact, suffix: string): { key: string | null; storageKey: string } {
  const key = current.key ? withSuffix(current.key, current.suffix, suffix) : null;
  return { key, storageKey: key && !current.keyIsVirtual ? key : autoStorageKey(current.uid, suffix) };
}

/** Step 2 of a replace: new fields under storageOngoing, the promotion owed, and the old object's deletion if it moves. */
async function commitReplace(
  tx: Tx,
  currentId: number,
  prepared: PreparedSave,
  staged: StagedContent,
  fileAtTarget: boolean,
): Promise<{ value: ReplacePlan; owed: OwedWork[] }> {
  const current = await tx.artifact.findUniqueOrThrow({ where: { id: currentId } });
  await lock(tx, hashLock(staged.hash), artifactLock(current.uid));
  await claimUpload(tx, prepared, staged);
  const same = await tx.artifact.findFirst({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
  if (same) return { value: { kind: 'existing', artifact: same }, owed: [] };

  const previous = await tx.artifact.findUniqueOrThrow({ where: { id: currentId } });
  await refuseWhileWorkOwed(tx, previous, 'replace');
  const { key, storageKey } = targetOf(previous, prepared.suffix);
  if (storageKey !== previous.storageKey) {
    const occupant = await tx.artifact.findFirst({ where: { storageId: previous.storageId, storageKey, id: { not: previous.id } } });
    if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
    if (key && !previous.keyIsVirtual) await prepareTargetKey(tx, previous.storageId, storageKey, fileAtTarget);
  }
  const artifact = await tx.artifact.update({
    where: { id: previous.id },
    data: { key, suffix: prepared.suffix, storageKey, size: BigInt(staged.size), hash: staged.hash, hashType: staged.hashType, fullChecksum: staged.fullChecksum, storageOngoing: true },
  });
  const owed: OwedWork[] = [
    { kind: 'PROMOTE', storageId: previous.storageId, artifactId: previous.id, fromKey: staged.stagingKey!, toKey: storageKey, expected: staged.fingerprint!, previous: previousFields(previous) },
  ];
  if (storageKey !== previous.storageKey) {
    // The old object moves away with the key; nobody else may point to it.
    const sharedBy = await tx.artifact.count({ where: { storageId: previous.storageId, storageKey: previous.storageKey } });
    if (sharedBy === 0) owed.push({ kind: 'DELETE', storageId: previous.storageId, artifactId: null, fromKey: previous.storageKey });
  }
  return { value: { kind: 'replaced', artifact, previous }, owed };
}

export async function replaceArtifact(services: ArtifactServices, input: ReplaceArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  const { db } = services;
  const current = await db.artifact.findUnique({ where: { uid: input.uid }, include: { storage: true } });
  if (!current) throw new NotFoundError('artifact', `uid ${input.uid}`);
  if (current.nFiles !== null) {
    throw new InvalidInputError(`artifact ${current.uid} is a folder; register the changed folder again (a new version) instead of replacing it`, 'input.uid');
  }
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
  const target = targetOf(current, prepared.suffix);
  const fileAtTarget = target.key && !current.keyIsVirtual && target.storageKey !== current.storageKey ? (await staged.store.head(target.storageKey).catch(() => undefined)) !== undefined : false;
  const run = await runProtocol<ReplacePlan>(services, {
    store: staged.store,
    detail: { uid: current.uid, key: current.key ?? undefined },
    commit: (tx) => commitReplace(tx, current.id, prepared, staged, fileAtTarget),
    undo: async (tx, plan) => {
      if (plan.kind === 'replaced') await tx.artifact.update({ where: { id: plan.previous.id }, data: { ...restoredFields(previousFields(plan.previous)), storageOngoing: false } });
    },
    onCommitFailed: () => (prepared.upload ? Promise.resolve() : discardStaged(staged)),
  });
  const plan = run.value;
  if (plan.kind === 'existing') {
    await discardStaged(staged);
    return { artifact: plan.artifact, created: false, warnings: [`returning existing artifact with same hash: ${plan.artifact.uid}`] };
  }
  const warnings: string[] = [];
  if (plan.artifact.key !== plan.previous.key) warnings.push(`replacing the file replaced key '${plan.previous.key}' with '${plan.artifact.key}'`);
  for (const location of run.deleted) warnings.push(`deleted the previous object at ${location}`);
  for (const location of run.deferred) warnings.push(`could not delete the previous object at ${location}; recovery will retry`);
  return { artifact: { ...plan.artifact, storageOngoing: false }, created: false, warnings };
}
