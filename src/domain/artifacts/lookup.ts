// Finding artifacts (by uid in any branch, or the latest MAIN version under a key), reading them as a run's input,
// and the URLs their bytes are downloaded from. Queries only look; recording lineage is a mutation's job.
import type { Artifact, Prisma } from '../../db/generated/client';
import type { Database } from '../../db/client';
import type { StoreRegistry } from '../../storage/open-store';
import { InvalidInputError, NotFoundError } from '../errors';
import { artifactLock, lock, type Tx } from '../locks';
import { markInputs } from '../transforms';
import { uidLengths } from '../uid';

export interface ArtifactIdentifier {
  /** A full uid, or the 16-character stem of a version family (its latest version). */
  uid?: string | null;
  /** The latest MAIN version under this key. */
  key?: string | null;
  /** The full location of the object: a storage root joined with its storage key. */
  path?: string | null;
}

function checkIdentifier(identifier: ArtifactIdentifier): void {
  const given = (['uid', 'key', 'path'] as const).filter((name) => identifier[name]);
  if (given.length !== 1) throw new InvalidInputError('give exactly one of `uid`, `key` or `path`', given[1] ?? 'uid');
}

/** The storage holding `path`, and the key inside it. */
async function locatePath(db: Database, path: string): Promise<{ storageId: number; storageKey: string } | undefined> {
  const storages = await db.storage.findMany({ select: { id: true, root: true } });
  const storage = storages.filter((candidate) => path.startsWith(`${candidate.root}/`)).sort((a, b) => b.root.length - a.root.length)[0];
  return storage ? { storageId: storage.id, storageKey: path.slice(storage.root.length + 1) } : undefined;
}

/**
 * The artifact with this uid (any branch); a 16-character uid stem finds the family's latest version (LaminDB's
 * `Artifact.get(stem_uid)`); a key finds the latest MAIN version under it; a path the artifact stored there.
 */
export async function findArtifact<T extends Omit<Prisma.ArtifactFindFirstArgs, 'where' | 'orderBy'>>(
  db: Database,
  identifier: ArtifactIdentifier,
  query: T = {} as T,
): Promise<Artifact | null> {
  checkIdentifier(identifier);
  if (identifier.uid?.length === uidLengths.artifactStem) {
    return db.artifact.findFirst({ ...query, where: { uid: { startsWith: identifier.uid } }, orderBy: [{ isLatest: 'desc' }, { id: 'desc' }] });
  }
  if (identifier.uid) return db.artifact.findUnique({ ...query, where: { uid: identifier.uid } } as Prisma.ArtifactFindUniqueArgs);
  if (identifier.path) {
    const located = await locatePath(db, identifier.path);
    if (!located) return null;
    return db.artifact.findFirst({ ...query, where: located, orderBy: [{ branch: 'asc' }, { isLatest: 'desc' }, { id: 'desc' }] });
  }
  return db.artifact.findFirst({ ...query, where: { key: identifier.key, branch: 'MAIN' }, orderBy: [{ isLatest: 'desc' }, { createdAt: 'desc' }] });
}

/**
 * The artifact as it is now, under its lock (and the other locks given, all taken in one stable order). Another
 * request may have deleted it since the caller found it: that is a NotFound, not a database failure.
 */
export async function lockedArtifact(tx: Tx, artifact: Pick<Artifact, 'id' | 'uid'>, ...otherLocks: string[]): Promise<Artifact> {
  await lock(tx, artifactLock(artifact.uid), ...otherLocks);
  const current = await tx.artifact.findUnique({ where: { id: artifact.id } });
  if (!current) throw new NotFoundError('artifact', `uid ${artifact.uid}`);
  return current;
}

/** Finds an artifact and records that `runUid` read it (LaminDB's input tracking); returns it and whether it was new. */
export async function readArtifact(db: Database, identifier: ArtifactIdentifier, runUid: string): Promise<{ artifact: Artifact; recorded: boolean }> {
  const artifact = await findArtifact(db, identifier);
  if (!artifact) throw new NotFoundError('artifact', identifier.uid ? `uid ${identifier.uid}` : identifier.path ? `path ${identifier.path}` : `key ${identifier.key}`);
  const { recorded } = await markInputs(db, runUid, [artifact.uid]);
  return { artifact, recorded: recorded > 0 };
}

export const MAX_DOWNLOAD_URL_SECONDS = 604_800;

/** The lifetime asked for a download URL, checked: whole seconds, at most seven days (as S3 presigns). */
export function checkedExpiry(expiresInSeconds: number): number {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_DOWNLOAD_URL_SECONDS) {
    throw new InvalidInputError(`expiresIn must be between 1 and ${MAX_DOWNLOAD_URL_SECONDS} seconds`, 'expiresIn');
  }
  return expiresInSeconds;
}

export interface FolderFile {
  /** Path inside the folder, e.g. "0/0.zarray". */
  path: string;
  size: number;
  /** Key of the object in the storage. */
  key: string;
}

/** The files of a folder artifact, by path. */
export async function folderFiles(stores: StoreRegistry, artifact: Pick<Artifact, 'storageKey'> & { storage: { root: string } }): Promise<FolderFile[]> {
  const prefix = `${artifact.storageKey}/`;
  const files: FolderFile[] = [];
  for await (const object of stores.storeFor(artifact.storage.root).list(prefix)) files.push({ path: object.key.slice(prefix.length), size: object.size, key: object.key });
  return files.sort((a, b) => byteOrder(a.key, b.key));
}

/** Orders keys as S3 lists them (by UTF-8 bytes), so pages of ordered and unordered stores agree. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * One page of a folder's files after the path `after`, in path order: on S3 one listing from there (StartAfter) that
 * stops at the page's end, elsewhere the folder listed and sorted.
 */
export async function folderFilesPage(
  stores: StoreRegistry,
  artifact: Pick<Artifact, 'storageKey'> & { storage: { root: string } },
  page: { after?: string; first: number },
): Promise<{ files: FolderFile[]; hasNextPage: boolean }> {
  const store = stores.storeFor(artifact.storage.root);
  const prefix = `${artifact.storageKey}/`;
  const startAfter = page.after !== undefined ? prefix + page.after : undefined;
  const files: FolderFile[] = [];
  for await (const object of store.list(prefix, { startAfter })) {
    files.push({ path: object.key.slice(prefix.length), size: object.size, key: object.key });
    if (store.listsInOrder && files.length > page.first) break;
  }
  if (!store.listsInOrder) files.sort((a, b) => byteOrder(a.key, b.key));
  return { files: files.slice(0, page.first), hasNextPage: files.length > page.first };
}

/** A time-limited URL for one file of a folder artifact (see downloadUrlFor). */
export async function fileDownloadUrl(
  artifact: Pick<Artifact, 'uid'> & { storage: { root: string } },
  file: FolderFile,
  expiresInSeconds: number,
  services: { stores: StoreRegistry; signLocal(uid: string, seconds: number, file: string): string },
): Promise<string> {
  const store = services.stores.storeFor(artifact.storage.root);
  if (store.presignGet) return store.presignGet(file.key, expiresInSeconds, file.path.split('/').pop());
  return services.signLocal(artifact.uid, expiresInSeconds, file.path);
}

/** The name a download of an artifact's bytes suggests: its key's last segment, or its uid and suffix. */
export function downloadFileName(artifact: Pick<Artifact, 'uid' | 'key' | 'suffix'>): string {
  return artifact.key?.split('/').pop() ?? `${artifact.uid}${artifact.suffix}`;
}

/** A time-limited URL for an artifact's bytes: presigned GET on S3, or the gateway's signed URL for local storage. */
export async function downloadUrlFor(
  artifact: Pick<Artifact, 'uid' | 'key' | 'suffix' | 'storageKey'> & { storage: { root: string } },
  expiresInSeconds: number,
  services: { stores: StoreRegistry; signLocal(uid: string, seconds: number): string },
): Promise<string> {
  checkedExpiry(expiresInSeconds);
  const store = services.stores.storeFor(artifact.storage.root);
  const fileName = downloadFileName(artifact);
  if (store.presignGet) return store.presignGet(artifact.storageKey, expiresInSeconds, fileName);
  return services.signLocal(artifact.uid, expiresInSeconds);
}
