// updateArtifact: an artifact's metadata with LaminDB's rules (lamindb's check_key_change). A virtual key is
// metadata and may change, keeping the artifact's suffix. A real key is where the object lives: where LaminDB refuses
// to change it, Trove moves the object to the new key through the storage protocol (move.ts), the row and the
// object together, never two or zero copies. Editing a version that is not the latest warns, as does a key another
// family already uses.
import type { Artifact } from '../../db/generated/client';
import { keyProblem } from '../../storage/keys';
import { extractSuffix } from '../../storage/suffix';
import { InvalidInputError, isUniqueViolation, NotFoundError, VersionTagTakenError } from '../errors';
import { keyLock, lock } from '../locks';
import { relocateArtifact } from './move';
import type { ArtifactOutcome, ArtifactServices } from './services';
import { stemOf } from './versions';

export interface UpdateArtifactInput {
  uid: string;
  /** A new virtual key; null removes the key. Omitted: unchanged (as for every field). */
  key?: string | null;
  description?: string | null;
  kind?: string | null;
  versionTag?: string | null;
}

function checkNewKey(artifact: Artifact, key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InvalidInputError(`invalid key "${key}": ${problem}`, 'input.key');
  const suffix = extractSuffix(key).canonical;
  if (suffix !== artifact.suffix) {
    throw new InvalidInputError(`the suffix '${suffix}' of the key is incorrect, it should be '${artifact.suffix}' (an artifact keeps its suffix)`, 'input.key');
  }
}

export async function updateArtifact(services: ArtifactServices, input: UpdateArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  const { db } = services;
  const found = await db.artifact.findUnique({ where: { uid: input.uid } });
  if (!found) throw new NotFoundError('artifact', `uid ${input.uid}`);
  const keyChanges = input.key !== undefined && input.key !== found.key;
  if (keyChanges && input.key !== null) checkNewKey(found, input.key!);
  if (keyChanges && !found.keyIsVirtual) return renameRealKey(services, found, input);
  const warnings: string[] = [];
  const artifact = await db.$transaction(async (tx) => {
    // The new key's lock: a save under that key decides versions against what this edit leaves.
    if (keyChanges && input.key) await lock(tx, keyLock(found.storageId, input.key));
    if (!found.isLatest) {
      const latest = await tx.artifact.findFirst({ where: { uid: { startsWith: stemOf(found.uid) }, isLatest: true } });
      warnings.push(`artifact ${found.uid} is not the latest version${latest ? ` (the latest is ${latest.uid})` : ''}; only this version changes`);
    }
    if (keyChanges && input.key) {
      const other = await tx.artifact.findFirst({
        where: { storageId: found.storageId, key: input.key, branch: 'MAIN', isLatest: true, NOT: { uid: { startsWith: stemOf(found.uid) } } },
      });
      if (other) warnings.push(`artifact ${other.uid} (another artifact) also has the key "${input.key}"; artifact(key:) returns the newest of them`);
    }
    try {
      return await tx.artifact.update({
        where: { id: found.id },
        data: { key: input.key, description: input.description, kind: input.kind, versionTag: input.versionTag },
      });
    } catch (error) {
      if (isUniqueViolation(error, 'versionTag') && input.versionTag) throw new VersionTagTakenError(input.versionTag);
      throw error;
    }
  });
  return { artifact, created: false, warnings };
}

/** A real key changes: the object moves to the new key with the row, and the other edited fields go with them. */
async function renameRealKey(services: ArtifactServices, found: Artifact, input: UpdateArtifactInput): Promise<ArtifactOutcome<Artifact>> {
  if (input.key === null) {
    throw new InvalidInputError(`the object of artifact ${found.uid} is stored at its real key "${found.storageKey}"; give a new key instead of removing it`, 'input.key');
  }
  const storage = await services.db.storage.findUniqueOrThrow({ where: { id: found.storageId } });
  const fields = Object.fromEntries(Object.entries({ description: input.description, kind: input.kind, versionTag: input.versionTag }).filter(([, value]) => value !== undefined));
  const { artifact, deferred } = await relocateArtifact(services, { artifact: found, source: storage, target: storage, storageKey: input.key!, key: input.key!, fields, verb: 'rename' });
  const warnings = [`moved the object from ${found.storageKey} to ${artifact.storageKey}`];
  if (!found.isLatest) warnings.push(`artifact ${found.uid} is not the latest version; only this version changes`);
  for (const location of deferred) warnings.push(`could not delete the old object at ${location} yet; recovery will retry`);
  return { artifact, created: false, warnings };
}
