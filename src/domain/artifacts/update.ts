// updateArtifact: an artifact's metadata with LaminDB's rules (lamindb's check_key_change). A virtual key is
// metadata and may change, keeping the artifact's suffix; a real key is where the object lives and may not (LaminDB
// refuses it too). Editing a version that is not the latest warns, as does a key another family already uses.
import type { Artifact } from '../../db/generated/client';
import { keyProblem } from '../../storage/keys';
import { extractSuffix } from '../../storage/suffix';
import { InvalidInputError, isUniqueViolation, NotFoundError, VersionTagTakenError } from '../errors';
import { keyLock, lock } from '../locks';
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
  if (keyChanges) {
    if (!found.keyIsVirtual) {
      throw new InvalidInputError(
        `changing the real key of an artifact is not allowed: its object is stored at "${found.storageKey}" (LaminDB refuses it too); save the content again under the new key instead`,
        'input.key',
      );
    }
    if (input.key !== null) checkNewKey(found, input.key!);
  }
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
