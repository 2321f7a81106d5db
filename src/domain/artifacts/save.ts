// createArtifact / saveArtifacts: stage -> commit -> promote (see ARCHITECTURE.md, "The save protocol").
import type { Artifact } from '../../db/generated/client';
import { TroveError } from '../errors';
import { commitSave } from './commit';
import { type PreparedSave, prepareSave, type SaveArtifactInput } from './prepare';
import { promote, undoCreated } from './promote';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { describeRegisteredObject, discardStaged, type StagedContent, stageBuffer, stageStream } from './staging';

export async function stage(services: ArtifactServices, prepared: PreparedSave): Promise<StagedContent> {
  const { storage } = prepared;
  const store = services.stores.storeFor(storage.root);
  const source = prepared.input.source;
  switch (source.kind) {
    case 'content':
      return stageBuffer(storage, store, Buffer.from(source.content));
    case 'stream':
      return stageStream(storage, store, source.body, { expectedSize: source.size });
    case 'path':
      return describeRegisteredObject(storage, store, prepared.registeredKey!);
    case 'upload': {
      const upload = prepared.upload!;
      return {
        storage,
        store,
        stagingKey: upload.stagingKey,
        size: Number(upload.size),
        hash: upload.hash!,
        hashType: upload.hashType as StagedContent['hashType'],
        fullChecksum: upload.fullChecksum,
      };
    }
  }
}

export async function savePrepared(services: ArtifactServices, prepared: PreparedSave): Promise<ArtifactOutcome<Artifact>> {
  const staged = await stage(services, prepared);
  let outcome;
  try {
    outcome = await commitSave(services, prepared, staged);
  } catch (error) {
    if (!prepared.upload) await discardStaged(staged); // an upload stays RECEIVED and can be committed again
    if (error instanceof TroveError) throw error;
    throw new TroveError('DATABASE_ERROR', `the database could not record the artifact (${(error as Error).message.split('\n')[0]}); nothing was saved`, { cause: error });
  }
  if (!outcome.promotion) {
    if (outcome.kind === 'existing') await discardStaged(staged);
    return { artifact: outcome.artifact, created: outcome.kind === 'created', warnings: outcome.warnings };
  }
  if (services.config.faultPauseBeforePromoteMs) await new Promise((resolve) => setTimeout(resolve, services.config.faultPauseBeforePromoteMs));
  try {
    const artifact = await promote(services, outcome.artifact, outcome.promotion, staged.store);
    if (outcome.kind === 'existing') {
      for (const key of outcome.supersededStagingKeys ?? []) await staged.store.delete(key).catch(() => undefined);
    }
    return { artifact, created: outcome.kind === 'created', warnings: outcome.warnings };
  } catch (error) {
    if (outcome.kind === 'created') await undoCreated(services, outcome.artifact, outcome.promotion, staged.store);
    throw error;
  }
}

export async function saveArtifact(services: ArtifactServices, input: SaveArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  return savePrepared(services, await prepareSave(services, input));
}
