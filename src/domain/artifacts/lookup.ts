// Finding artifacts (by uid in any branch, or the latest MAIN version under a key), reading them as a run's input,
// and the URLs their bytes are downloaded from. Queries only look; recording lineage is a mutation's job.
import type { Artifact, Prisma } from '../../db/generated/client';
import type { Database } from '../../db/client';
import type { StoreRegistry } from '../../storage/open-store';
import { InvalidInputError, NotFoundError } from '../errors';
import { markInputs } from '../transforms';

export interface ArtifactIdentifier {
  uid?: string | null;
  key?: string | null;
}

function checkIdentifier(identifier: ArtifactIdentifier): void {
  if (Boolean(identifier.uid) === Boolean(identifier.key)) throw new InvalidInputError('give exactly one of `uid` or `key`', identifier.uid ? 'key' : 'uid');
}

/** The artifact with this uid (any branch), or the latest MAIN version under this key. */
export async function findArtifact<T extends Omit<Prisma.ArtifactFindFirstArgs, 'where' | 'orderBy'>>(
  db: Database,
  identifier: ArtifactIdentifier,
  query: T = {} as T,
): Promise<Artifact | null> {
  checkIdentifier(identifier);
  if (identifier.uid) return db.artifact.findUnique({ ...query, where: { uid: identifier.uid } } as Prisma.ArtifactFindUniqueArgs);
  return db.artifact.findFirst({ ...query, where: { key: identifier.key, branch: 'MAIN' }, orderBy: [{ isLatest: 'desc' }, { createdAt: 'desc' }] });
}

/** Finds an artifact and records that `runUid` read it (LaminDB's input tracking); returns it and whether it was new. */
export async function readArtifact(db: Database, identifier: ArtifactIdentifier, runUid: string): Promise<{ artifact: Artifact; recorded: boolean }> {
  const artifact = await findArtifact(db, identifier);
  if (!artifact) throw new NotFoundError('artifact', identifier.uid ? `uid ${identifier.uid}` : `key ${identifier.key}`);
  const recorded = await markInputs(db, runUid, [artifact.uid]);
  return { artifact, recorded: recorded > 0 };
}

export const MAX_DOWNLOAD_URL_SECONDS = 604_800;

/** A time-limited URL for an artifact's bytes: presigned GET on S3, or the gateway's signed URL for local storage. */
export async function downloadUrlFor(
  artifact: Pick<Artifact, 'uid' | 'key' | 'suffix' | 'storageKey'> & { storage: { root: string } },
  expiresInSeconds: number,
  services: { stores: StoreRegistry; signLocal(uid: string, seconds: number): string },
): Promise<string> {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_DOWNLOAD_URL_SECONDS) {
    throw new InvalidInputError(`expiresIn must be between 1 and ${MAX_DOWNLOAD_URL_SECONDS} seconds`, 'expiresIn');
  }
  const store = services.stores.storeFor(artifact.storage.root);
  const fileName = artifact.key?.split('/').pop() ?? `${artifact.uid}${artifact.suffix}`;
  if (store.presignGet) return store.presignGet(artifact.storageKey, expiresInSeconds, fileName);
  return services.signLocal(artifact.uid, expiresInSeconds);
}
