// LaminDB's Collection: a named, versioned, ordered set of saved artifacts. Its hash is lamindb-setup's hash_set over
// the artifacts' hashes, so creating the same set again answers the existing collection; a key that names a
// collection already makes the next version of it. Collections record lineage like artifacts: the run that created
// one, runs that read it, runs that created it again.
import { createHash } from 'node:crypto';
import type { Database } from '../db/client';
import type { Collection } from '../db/generated/client';
import { keyProblem } from '../storage/keys';
import { firstVersionUid, handOverLatest, latestOnReturn, nextVersionUid, stemOf } from './artifacts/versions';
import { InvalidInputError, isUniqueViolation, NotFoundError, VersionTagTakenError } from './errors';
import { lock, type Tx } from './locks';
import { linkRunInputs } from './transforms';

export interface CreateCollectionInput {
  /** Saved artifacts, in the order the collection keeps them. */
  artifactUids: string[];
  /** Required unless `revisesUid` is given (then the revised collection's key by default). */
  key?: string | null;
  description?: string | null;
  /** An artifact that indexes the collection (LaminDB's meta_artifact), at most one collection's. */
  metaArtifactUid?: string | null;
  reference?: string | null;
  referenceType?: string | null;
  /** The run that creates the collection: its artifacts become the run's inputs. */
  runUid?: string | null;
  /** A new version of this collection's family (LaminDB's `revises`); by default the latest collection with the key. */
  revisesUid?: string | null;
  versionTag?: string | null;
  /** Create a new collection even if one with the same artifacts exists under another key. */
  skipHashLookup?: boolean | null;
}

export interface CollectionOutcome {
  collection: Collection;
  /** False when a collection with the same artifacts existed and is answered instead. */
  created: boolean;
  warnings: string[];
}

const HASH_LENGTH = 22;

/** lamindb-setup's hash_set: md5 of the sorted, distinct hashes joined by ":", base64url, 22 characters. */
export function collectionHash(artifactHashes: Iterable<string>): string {
  const joined = [...new Set(artifactHashes)].sort().join(':');
  return createHash('md5').update(joined, 'utf8').digest('base64url').slice(0, HASH_LENGTH);
}

const collectionKeyLock = (key: string) => `trove:collection-key:${key}`;
const collectionHashLock = (hash: string) => `trove:collection-hash:${hash}`;

interface Member {
  id: number;
  uid: string;
  hash: string | null;
  branch: string;
  storageOngoing: boolean;
}

/** The artifacts in the order given; a uid given twice is kept once (LaminDB links each artifact once). */
function orderedMembers(uids: string[], found: Member[], warnings: string[]): Member[] {
  const byUid = new Map(found.map((artifact) => [artifact.uid, artifact]));
  const missing = uids.filter((uid) => !byUid.has(uid));
  if (missing.length) throw new NotFoundError('artifact', `uid ${[...new Set(missing)].join(', ')}`);
  const distinct = [...new Set(uids)];
  if (distinct.length < uids.length) warnings.push(`${uids.length - distinct.length} artifact uid(s) were given more than once; each artifact is in the collection once, at its first position`);
  const members = distinct.map((uid) => byUid.get(uid)!);
  for (const [index, artifact] of members.entries()) {
    if (artifact.branch === 'TRASH') throw new InvalidInputError(`artifact ${artifact.uid} is in the trash; restore it first`, `input.artifactUids.${index}`);
    // A save in flight may still be undone by recovery, which must be free to delete its row.
    if (artifact.storageOngoing) throw new InvalidInputError(`artifact ${artifact.uid} is still being stored; add it when its save is done`, `input.artifactUids.${index}`);
  }
  const hashes = members.map((artifact) => artifact.hash).filter((hash): hash is string => hash !== null);
  const repeated = hashes.filter((hash, index) => hashes.indexOf(hash) !== index);
  if (repeated.length) warnings.push(`the collection contains artifacts with the same content (hash ${[...new Set(repeated)].join(', ')})`);
  return members;
}

/** The meta artifact, held like the members; saved and out of the trash. */
async function metaArtifact(tx: Tx, uid: string): Promise<Member> {
  const [meta] = await tx.$queryRaw<Member[]>`
    SELECT id, uid, hash, branch::text AS branch, "storageOngoing" FROM "Artifact" WHERE uid = ${uid} FOR SHARE`;
  if (!meta) throw new NotFoundError('artifact', `uid ${uid}`);
  if (meta.branch === 'TRASH' || meta.storageOngoing) {
    throw new InvalidInputError(`the meta artifact ${uid} is ${meta.branch === 'TRASH' ? 'in the trash' : 'still being stored'}`, 'input.metaArtifactUid');
  }
  return meta;
}

function checkedKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new InvalidInputError(`invalid collection key "${key}": ${problem}; use a form like "projects/screen-2026"`, 'input.key');
  return key;
}

/**
 * createCollection with LaminDB's rules: the same artifacts as a collection outside the trash answer that collection
 * (unless skipHashLookup); the same artifacts under the same key always do; a key that names a collection (or
 * `revisesUid`) makes the next version of its family. All in one transaction under the key's and the hash's locks,
 * so concurrent identical creates give one collection.
 */
export async function createCollection(db: Database, input: CreateCollectionInput, createdById: number): Promise<CollectionOutcome> {
  if (!input.artifactUids.length) throw new InvalidInputError('a collection needs at least one artifact', 'input.artifactUids');
  const revises = input.revisesUid ? await db.collection.findUnique({ where: { uid: input.revisesUid } }) : null;
  if (input.revisesUid && !revises) throw new InvalidInputError(`no collection with uid ${input.revisesUid} to revise`, 'input.revisesUid');
  const keyGiven = input.key ?? revises?.key;
  if (!keyGiven) throw new InvalidInputError('give the collection a key, e.g. "projects/screen-2026" (or revisesUid)', 'input.key');
  const key = checkedKey(keyGiven);
  const run = input.runUid ? await db.run.findUnique({ where: { uid: input.runUid }, select: { id: true } }) : null;
  if (input.runUid && !run) throw new NotFoundError('run', `uid ${input.runUid}`);

  return db.$transaction(async (tx) => {
    const warnings: string[] = [];
    // FOR SHARE: no artifact of the set is deleted or re-saved between this check and the links.
    const found = await tx.$queryRaw<Member[]>`
      SELECT id, uid, hash, branch::text AS branch, "storageOngoing" FROM "Artifact" WHERE uid = ANY(${input.artifactUids}) FOR SHARE`;
    const members = orderedMembers(input.artifactUids, found, warnings);
    const meta = input.metaArtifactUid ? await metaArtifact(tx, input.metaArtifactUid) : null;
    const hash = collectionHash(members.flatMap((artifact) => (artifact.hash ? [artifact.hash] : [])));
    await lock(tx, collectionKeyLock(key), collectionHashLock(hash));

    const sameKey = await tx.collection.findFirst({ where: { key, hash } });
    const existing = sameKey ?? (input.skipHashLookup ? null : await tx.collection.findFirst({ where: { hash, branch: { not: 'TRASH' } }, orderBy: { id: 'asc' } }));
    if (existing) {
      if (existing.key !== key) warnings.push(`collection ${existing.uid} has the same artifacts under the key "${existing.key}"; it is answered (pass skipHashLookup: true for a new collection under "${key}")`);
      if (existing.branch === 'TRASH') warnings.push(`collection ${existing.uid} is in the trash; restore it with restoreCollection`);
      if (run && existing.runId !== run.id) {
        await tx.collectionRecreatingRun.createMany({ data: [{ collectionId: existing.id, runId: run.id }], skipDuplicates: true });
      }
      return { collection: existing, created: false, warnings };
    }

    const previous = revises ?? (await tx.collection.findFirst({ where: { key, isLatest: true, branch: { not: 'TRASH' } }, orderBy: { createdAt: 'desc' } }));
    if (previous && input.versionTag) {
      const tagged = await tx.collection.findFirst({ where: { uid: { startsWith: stemOf(previous.uid) }, versionTag: input.versionTag } });
      if (tagged) throw new VersionTagTakenError(input.versionTag);
    }
    if (meta) {
      const metaOf = await tx.collection.findUnique({ where: { metaArtifactId: meta.id }, select: { uid: true } });
      if (metaOf) throw new InvalidInputError(`artifact ${meta.uid} is the meta artifact of collection ${metaOf.uid}; an artifact indexes one collection`, 'input.metaArtifactUid');
    }
    const uid = previous ? await nextVersionUid(tx, previous.uid, 'collection') : firstVersionUid();
    const data = {
      uid,
      key,
      hash,
      description: input.description ?? (previous && previous.key === key ? previous.description : null),
      reference: input.reference ?? null,
      referenceType: input.referenceType ?? null,
      versionTag: input.versionTag ?? null,
      metaArtifactId: meta?.id ?? null,
      runId: run?.id ?? null,
      createdById,
    };
    const collection = await tx.collection.create({ data }).catch((error: unknown) => {
      // A concurrent version under another key took the tag first (the index is the judge).
      throw isUniqueViolation(error, 'versionTag') && input.versionTag ? new VersionTagTakenError(input.versionTag) : error;
    });
    await tx.collectionArtifact.createMany({ data: members.map((artifact, position) => ({ collectionId: collection.id, artifactId: artifact.id, position })) });
    if (run) {
      // LaminDB: the run that makes a collection read its artifacts and the version it revises.
      await linkRunInputs(tx, run.id, members.map((artifact) => artifact.id));
      if (previous) await tx.runInputCollection.createMany({ data: [{ runId: run.id, collectionId: previous.id }], skipDuplicates: true });
    }
    return { collection, created: true, warnings };
  });
}

export interface UpdateCollectionInput {
  uid: string;
  key?: string | null;
  description?: string | null;
  versionTag?: string | null;
  reference?: string | null;
  referenceType?: string | null;
}

/** Edits a collection's metadata; its artifacts never change (a new set is a new version: createCollection). */
export async function updateCollection(db: Database, input: UpdateCollectionInput): Promise<Collection> {
  if (input.key === null) throw new InvalidInputError('a collection keeps a key; give a new one or leave key out', 'input.key');
  const key = input.key === undefined ? undefined : checkedKey(input.key);
  return db.$transaction(async (tx) => {
    const collection = await lockedCollection(tx, input.uid);
    if (key !== undefined && key !== collection.key) {
      await lock(tx, collectionKeyLock(key));
      const twin = await tx.collection.findFirst({ where: { key, hash: collection.hash } });
      if (twin) throw new InvalidInputError(`collection ${twin.uid} has the same artifacts under "${key}"`, 'input.key');
    }
    if (input.versionTag && input.versionTag !== collection.versionTag) {
      const tagged = await tx.collection.findFirst({ where: { uid: { startsWith: stemOf(collection.uid) }, versionTag: input.versionTag } });
      if (tagged) throw new VersionTagTakenError(input.versionTag);
    }
    return tx.collection
      .update({
        where: { id: collection.id },
        data: { key, description: input.description, versionTag: input.versionTag, reference: input.reference, referenceType: input.referenceType },
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error, 'versionTag') && input.versionTag ? new VersionTagTakenError(input.versionTag) : error;
      });
  });
}

async function lockedCollection(tx: Tx, uid: string): Promise<Collection> {
  const [collection] = await tx.$queryRaw<Collection[]>`SELECT * FROM "Collection" WHERE uid = ${uid} FOR UPDATE`;
  if (!collection) throw new NotFoundError('collection', `uid ${uid}`);
  return collection;
}

/**
 * To the trash, or for good: the collection and its links go, its artifacts stay (LaminDB). The newest version left
 * in MAIN becomes the latest.
 */
export async function deleteCollection(db: Database, uid: string, permanent: boolean): Promise<Collection> {
  return db.$transaction(async (tx) => {
    const collection = await lockedCollection(tx, uid);
    if (!permanent) {
      if (collection.branch === 'TRASH') return collection;
      await handOverLatest(tx, collection, { trashing: true, model: 'collection' });
      return tx.collection.update({ where: { id: collection.id }, data: { branch: 'TRASH' } });
    }
    await handOverLatest(tx, collection, { model: 'collection' });
    await tx.collection.delete({ where: { id: collection.id } });
    return collection;
  });
}

export async function restoreCollection(db: Database, uid: string): Promise<Collection> {
  return db.$transaction(async (tx) => {
    const collection = await lockedCollection(tx, uid);
    if (collection.branch === 'MAIN') return collection;
    const isLatest = await latestOnReturn(tx, collection, 'collection');
    return tx.collection.update({ where: { id: collection.id }, data: { branch: 'MAIN', isLatest } });
  });
}
