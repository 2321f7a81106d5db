// replaceArtifact: new content under the same uid (LaminDB's artifact.replace + save), through the storage protocol
// (protocol.ts), so that a failed replace keeps the old bytes and the old fields; a folder by a folder upload.
import type { Artifact, Storage } from '../../db/generated/client';
import { AUTO_KEY_PREFIX, autoStorageKey } from '../../storage/keys';
import { InvalidInputError, KeyOccupiedError, NotFoundError, TroveError } from '../errors';
import { hashLock, type Tx } from '../locks';
import { claimUpload, commitDeletesUnused, prepareTargetKey, sameContentWhere, unusedUploadDeletion } from './commit';
import { type PreparedSave, prepareSave, type ArtifactSource } from './prepare';
import { previousFields, restoredFields } from './previous-fields';
import { folderPromotions } from './folder-uploads';
import { folderFiles, lockedArtifact } from './lookup';
import { relocateArtifact } from './move';
import { deleteMovedOf, type OwedWork, type ProtocolResult, refuseWhileWorkOwed, runProtocol } from './protocol';
import { discardFor, PARALLEL_FILE_MOVES, stageSave } from './save';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { discardStaged, holdsAnything, type StagedContent, storageFailure } from './staging';

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
  current: Pick<Artifact, 'id' | 'uid'>,
  prepared: PreparedSave,
  staged: StagedContent,
  fileAtTarget: boolean,
  /** A folder's replace: the files of the old folder (moved aside), each deleted once the new ones are in place. */
  oldFolderFiles?: string[],
): Promise<{ value: ReplacePlan; owed: OwedWork[] }> {
  const previous = await lockedArtifact(tx, current, hashLock(staged.hash));
  await claimUpload(tx, prepared, staged);
  const same = await tx.artifact.findFirst({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
  if (same) return { value: { kind: 'existing', artifact: same }, owed: unusedUploadDeletion(prepared, staged) };

  await refuseWhileWorkOwed(tx, previous, 'replace');
  const { key, storageKey } = targetOf(previous, prepared.suffix);
  if (storageKey !== previous.storageKey) {
    const occupant = await tx.artifact.findFirst({ where: { storageId: previous.storageId, storageKey, id: { not: previous.id } } });
    if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
    if (key && !previous.keyIsVirtual) await prepareTargetKey(tx, previous.storageId, storageKey, fileAtTarget, oldFolderFiles !== undefined);
  }
  const artifact = await tx.artifact.update({
    where: { id: previous.id },
    data: {
      key,
      suffix: prepared.suffix,
      storageKey,
      size: BigInt(staged.size),
      hash: staged.hash,
      hashType: staged.hashType,
      fullChecksum: staged.fullChecksum,
      nFiles: staged.nFiles ?? null,
      storageOngoing: true,
    },
  });
  if (oldFolderFiles) {
    // One promotion per new file into the folder's key, then each old file's deletion from where it was put aside.
    const owed = await folderPromotions(tx, staged.folderUploadId!, previous.storageId, previous.id, storageKey, previousFields(previous));
    for (const fromKey of oldFolderFiles) owed.push({ kind: 'DELETE', storageId: previous.storageId, artifactId: null, fromKey });
    return { value: { kind: 'replaced', artifact, previous }, owed };
  }
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
  const staged = await stageSave(services, prepared, { uid: current.uid, key: current.key ?? undefined });
  if ((current.nFiles !== null) !== (staged.folderUploadId !== undefined)) {
    throw new InvalidInputError(
      current.nFiles !== null
        ? `artifact ${current.uid} is a folder: replace it with a folder upload (createUpload with files)`
        : `artifact ${current.uid} is a file: a folder cannot replace it (save the folder as an artifact of its own)`,
      'input.uploadId',
    );
  }
  if (current.nFiles !== null) return replaceFolder(services, current, prepared, staged);
  const target = targetOf(current, prepared.suffix);
  const fileAtTarget = target.key && !current.keyIsVirtual && target.storageKey !== current.storageKey ? (await staged.store.head(target.storageKey).catch(() => undefined)) !== undefined : false;
  const run = await runProtocol<ReplacePlan>(services, {
    store: staged.store,
    detail: { uid: current.uid, key: current.key ?? undefined },
    commit: (tx) => commitReplace(tx, current, prepared, staged, fileAtTarget),
    undo: async (tx, plan) => {
      if (plan.kind === 'replaced') await tx.artifact.update({ where: { id: plan.previous.id }, data: { ...restoredFields(previousFields(plan.previous)), storageOngoing: false } });
    },
    onCommitFailed: (rolledBack) => discardFor(prepared, staged, rolledBack),
  });
  return replacedOutcome(run, prepared, staged);
}

/** What a replace answers: the artifact with its new content, or the one that has that content already. */
async function replacedOutcome(run: ProtocolResult<ReplacePlan>, prepared: PreparedSave, staged: StagedContent): Promise<ArtifactOutcome<Artifact>> {
  const plan = run.value;
  if (plan.kind === 'existing') {
    if (!commitDeletesUnused(prepared, staged)) await discardStaged(staged);
    return { artifact: plan.artifact, created: false, warnings: [`returning existing artifact with same hash: ${plan.artifact.uid}`] };
  }
  const warnings: string[] = [];
  if (plan.artifact.key !== plan.previous.key) warnings.push(`replacing the file replaced key '${plan.previous.key}' with '${plan.artifact.key}'`);
  for (const location of run.deleted) warnings.push(`deleted the previous object at ${location}`);
  for (const location of run.deferred) warnings.push(`could not delete the previous object at ${location}; recovery will retry`);
  return { artifact: { ...plan.artifact, storageOngoing: false }, created: false, warnings };
}

/** Where a folder's old files wait while its new files take their key. */
function asideKeyOf(artifact: Artifact): string {
  return `${AUTO_KEY_PREFIX}.replacing/${artifact.uid}${artifact.suffix}`;
}

/**
 * A folder's replace, in steps that each leave the artifact whole and readable: its old files move aside (a
 * relocation within the storage), the new files are promoted into the folder's key with the aside place as the
 * promotions' `previous`, and only then are the old files deleted. When the new files cannot be put in place the old
 * folder is moved back to its key; should that fail too, the artifact stays complete at the aside key (and says so).
 */
async function replaceFolder(services: ArtifactServices, found: Artifact & { storage: Storage }, prepared: PreparedSave, staged: StagedContent): Promise<ArtifactOutcome<Artifact>> {
  const { storage, ...current } = found;
  const target = targetOf(current, prepared.suffix);
  const same = await services.db.artifact.findFirst({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
  if (same) {
    await services.db.uploadSession.updateMany({ where: { id: staged.folderUploadId!, status: 'RECEIVED' }, data: { status: 'COMMITTED' } });
    await discardStaged(staged);
    return { artifact: same, created: false, warnings: [`returning existing artifact with same hash: ${same.uid}`] };
  }
  // Step 1: the old files aside, unless the new folder goes to another key anyway (a new suffix).
  const aside = target.storageKey === current.storageKey;
  const before = aside ? (await relocateArtifact(services, { artifact: current, source: storage, target: storage, storageKey: asideKeyOf(current), verb: 'replace' })).artifact : current;
  const putBack = async (): Promise<string[]> => {
    if (!aside) return [];
    try {
      const now = await services.db.artifact.findUniqueOrThrow({ where: { id: current.id } });
      await relocateArtifact(services, { artifact: now, source: storage, target: storage, storageKey: current.storageKey, verb: 'replace' });
      return [];
    } catch (error) {
      return [`the folder stays complete at ${asideKeyOf(current)} (${(error as Error).message}); move it back with updateArtifact or replace it again`];
    }
  };
  let oldFiles: string[];
  try {
    oldFiles = (await folderFiles(services.stores, { storageKey: before.storageKey, storage })).map((file) => file.key);
  } catch (error) {
    await putBack();
    throw storageFailure(error, storage.root);
  }
  const store = services.stores.storeFor(storage.root);
  const fileAtTarget = target.key && !current.keyIsVirtual && target.storageKey !== before.storageKey ? await holdsAnything(store, target.storageKey, true) : false;
  // Step 2: the new files into the folder's key; the old ones deleted after.
  let run: ProtocolResult<ReplacePlan>;
  try {
    run = await runProtocol<ReplacePlan>(services, {
      store,
      detail: { uid: current.uid, key: current.key ?? undefined },
      parallelMoves: PARALLEL_FILE_MOVES,
      commitTimeoutMs: 5_000 + (staged.nFiles ?? 0) + oldFiles.length,
      commit: (tx) => commitReplace(tx, current, prepared, staged, fileAtTarget, oldFiles),
      undo: async (tx, plan, moved) => {
        if (plan.kind !== 'replaced') return [];
        await tx.artifact.update({ where: { id: plan.previous.id }, data: { ...restoredFields(previousFields(plan.previous)), storageOngoing: false } });
        return deleteMovedOf(new Set([plan.previous.id]), moved);
      },
    });
  } catch (error) {
    // Step 3 of a failure: the old folder back at its key (a crash here leaves it complete aside).
    const notes = await putBack();
    if (error instanceof TroveError && notes.length) error.message = `${error.message}; ${notes.join('; ')}`;
    throw error;
  }
  if (run.value.kind === 'existing') {
    const notes = await putBack();
    const outcome = await replacedOutcome(run, prepared, staged);
    return { ...outcome, warnings: [...outcome.warnings, ...notes] };
  }
  return replacedOutcome(run, prepared, staged);
}
