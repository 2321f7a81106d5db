// createArtifact / saveArtifacts: stage, then the storage protocol (protocol.ts) with the save rules (commit.ts).
import type { Artifact } from '../../db/generated/client';
import { type FaultDetail, SimulatedCrash } from '../fault-points';
import type { Tx } from '../locks';
import { commitDeletesUnused, commitSave, type SaveOutcome } from './commit';
import { type PreparedSave, prepareSave, type SaveArtifactInput } from './prepare';
import { settleAfter, WriteIntentFile } from './in-place';
import { checkStaged, deleteMovedOf, runProtocol } from './protocol';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { describeRegisteredObject, discardStaged, holdsAnything, type StagedContent, stageBuffer, stageStream, storageFailure } from './staging';
import { handOverLatest } from './versions';

/** How many files of a folder upload are moved into place at a time. */
export const PARALLEL_FILE_MOVES = 8;

export async function stage(services: ArtifactServices, prepared: PreparedSave): Promise<StagedContent> {
  const { storage } = prepared;
  const store = services.stores.storeFor(storage.root);
  const source = prepared.input.source;
  switch (source.kind) {
    case 'content':
    case 'stream': {
      // Local storage: written straight to a first version's key under a write intent (in-place.ts).
      const key = prepared.inPlace?.key;
      const staged =
        source.kind === 'content'
          ? await stageBuffer(storage, store, Buffer.from(source.content), key, key !== undefined)
          : await stageStream(storage, store, source.body, { expectedSize: source.size, key, fresh: key !== undefined });
      return { ...staged, reservedUid: prepared.inPlace?.reservedUid };
    }
    case 'path':
      return describeRegisteredObject(storage, store, prepared.registeredKey!);
    case 'upload': {
      const upload = prepared.upload!;
      const fingerprint = (upload.staged as StagedContent['fingerprint'] | null) ?? { size: Number(upload.size) };
      // Bytes written straight to their key are published without a move, whose check this is.
      if (upload.reservedUid) await checkStaged(store, upload.stagingKey, fingerprint).catch((error: unknown) => Promise.reject(storageFailure(error, storage.root)));
      return {
        storage,
        store,
        stagingKey: upload.stagingKey,
        size: Number(upload.size),
        hash: upload.hash!,
        hashType: upload.hashType as StagedContent['hashType'],
        fullChecksum: upload.fullChecksum,
        fingerprint,
        reservedUid: upload.reservedUid ?? undefined,
        ...(upload.nFiles !== null ? { nFiles: upload.nFiles, folderUploadId: upload.id } : {}),
      };
    }
  }
}

/** Undo of a new artifact whose bytes could not be put in place: the row goes, the previous version is latest again. */
export async function removeCreated(tx: Tx, artifact: Artifact): Promise<void> {
  await handOverLatest(tx, artifact);
  await tx.artifact.deleteMany({ where: { id: artifact.id } });
}

export interface SaveResult extends ArtifactOutcome<Artifact> {
  /** Trove wrote the object (it was staged and promoted), as opposed to an object registered in place. */
  wroteObject: boolean;
}

/** Staged content and what the commit must know about the target: whether a real key holds a file already. */
export interface StagedSave extends StagedContent {
  fileAtKey: boolean;
}

/** Drops what was staged for a save that will not be committed. An upload's staged object belongs to its session,
 * which stays RECEIVED when the commit fails: it can be retried. `rolledBack`: see ProtocolSteps.onCommitFailed. */
export function discardFor(prepared: PreparedSave, staged: StagedContent, rolledBack = true): Promise<void> {
  // Bytes at their key whose commit may have happened stay: recovery decides by the row (in-place.ts).
  if (prepared.upload || (!rolledBack && prepared.inPlace)) return Promise.resolve();
  return discardStaged(staged);
}

/** Step 1 of a save: the bytes staged and hashed, and the target key looked at. */
export async function stageSave(services: ArtifactServices, prepared: PreparedSave, detail: FaultDetail = { key: prepared.key ?? undefined }): Promise<StagedSave> {
  const staged = await stage(services, prepared);
  try {
    await services.faults.reach('save.afterStage', detail);
    // A real key may hold a file Trove never wrote: it is refused, never overwritten.
    const realKey = !prepared.keyIsVirtual && !prepared.registeredKey && prepared.key ? prepared.key : undefined;
    const fileAtKey = realKey ? await holdsAnything(staged.store, realKey, staged.folderUploadId !== undefined) : false;
    return { ...staged, fileAtKey };
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) await discardFor(prepared, staged);
    throw error;
  }
}

/** What a caller answers for a save whose protocol ran. */
export function saveResultOf(services: ArtifactServices, outcome: SaveOutcome, staged: StagedContent): SaveResult {
  services.observer?.artifactSaved(outcome.kind === 'created');
  return {
    artifact: { ...outcome.artifact, storageOngoing: outcome.promoting ? false : outcome.artifact.storageOngoing },
    created: outcome.kind === 'created',
    warnings: outcome.warnings,
    wroteObject: outcome.kind === 'created' && staged.stagingKey !== null,
  };
}

export async function savePrepared(services: ArtifactServices, prepared: PreparedSave): Promise<SaveResult> {
  const intents = await WriteIntentFile.reserve(services, [prepared]);
  return settleAfter(intents, () => saveReserved(services, prepared, intents));
}

async function saveReserved(services: ArtifactServices, prepared: PreparedSave, intents: WriteIntentFile[]): Promise<SaveResult> {
  const staged = await stageSave(services, prepared);
  const run = await runProtocol<SaveOutcome>(services, {
    store: staged.store,
    detail: { key: prepared.key ?? undefined },
    commit: (tx) => commitSave(tx, services, prepared, staged, { fileAtKey: staged.fileAtKey }),
    // A folder's files are promoted in parallel: those already in place when another failed are deleted again.
    parallelMoves: staged.folderUploadId !== undefined ? PARALLEL_FILE_MOVES : 1,
    commitTimeoutMs: staged.nFiles !== undefined ? 5_000 + staged.nFiles : undefined,
    undo: async (tx, outcome, moved) => {
      if (outcome.kind !== 'created') return [];
      await removeCreated(tx, outcome.artifact);
      return deleteMovedOf(new Set([outcome.artifact.id]), moved);
    },
    onCommitFailed: async (rolledBack) => {
      if (!rolledBack) for (const intent of intents) intent.keep();
      await discardFor(prepared, staged, rolledBack);
    },
  });
  if (!run.value.promoting && !commitDeletesUnused(prepared, staged)) await discardStaged(staged);
  return saveResultOf(services, run.value, staged);
}

export async function saveArtifact(services: ArtifactServices, input: SaveArtifactInput): Promise<SaveResult> {
  return savePrepared(services, await prepareSave(services, input));
}
