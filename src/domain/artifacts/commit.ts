// The rules of a save, applied inside the protocol's commit transaction (protocol.ts, step 2): dedup by content,
// versions by key, real keys that must be free. Advisory locks on the content hash and the key serialise
// concurrent saves of the same thing at READ COMMITTED.
import type { Artifact, Prisma } from '../../db/generated/client';
import { ancestorsOf, autoStorageKey } from '../../storage/keys';
import {
  FileExistsError,
  HashExistsError,
  InvalidInputError,
  isUniqueViolation,
  KeyOccupiedError,
  StorageBusyError,
  VersionTagTakenError,
} from '../errors';
import { hashLock, keyLock, lock, type Tx } from '../locks';
import { folderPromotions } from './folder-uploads';
import { reservedUidLocks } from './in-place';
import { anonymousContentError, isAnonymous, type PreparedSave } from './prepare';
import type { PreviousFields } from './previous-fields';
import { type OwedWork, pendingWork } from './protocol';
import type { ArtifactServices } from './services';
import type { StagedContent } from './staging';
import { firstVersionUid, latestOnReturn, nextVersionUid } from './versions';

/** Artifacts with the same bytes: equal hash, and equal full checksum where the hash does not cover everything. */
export function sameContentWhere(content: { hash: string; fullChecksum: string | null }): Prisma.ArtifactWhereInput {
  return { hash: content.hash, fullChecksum: content.fullChecksum };
}

export interface SaveOutcome {
  kind: 'existing' | 'created';
  artifact: Artifact;
  warnings: string[];
  /**
   * The staged bytes become the artifact's: promoted by owed work (a new artifact, or the takeover of an interrupted
   * upload), or already at their key (an S3 upload, uploads.ts; a local save, in-place.ts).
   */
  promoting: boolean;
  /** A new artifact whose bytes were at its key before the commit (nothing promoted): an undo deletes them. */
  inPlace?: boolean;
}

/** Claims an upload session for this commit: a second commit, or bytes received meanwhile, find it changed. */
export async function claimUpload(tx: Tx, prepared: PreparedSave, staged: StagedContent): Promise<void> {
  if (!prepared.upload) return;
  const claimed = await tx.uploadSession.updateMany({
    // A folder keeps its staging prefix: its hash says whether a file was sent again meanwhile.
    where: { id: prepared.upload.id, status: 'RECEIVED', stagingKey: staged.stagingKey ?? undefined, hash: staged.folderUploadId !== undefined ? staged.hash : undefined },
    data: { status: 'COMMITTED' },
  });
  if (claimed.count === 0) {
    throw new InvalidInputError(`upload ${prepared.upload.uploadId} was already used, or received new bytes while it was being committed; commit it again`, 'input.uploadId');
  }
}

/**
 * A folder artifact owns every key under it: nothing is saved or registered inside one, and a folder is not
 * registered over keys other artifacts own.
 */
export async function refuseFolderOverlap(tx: Tx, storageId: number, storageKey: string, isFolder: boolean): Promise<void> {
  const ancestors = ancestorsOf(storageKey);
  const folder = ancestors.length ? await tx.artifact.findFirst({ where: { storageId, storageKey: { in: ancestors }, nFiles: { not: null } } }) : null;
  if (folder) throw new InvalidInputError(`"${storageKey}" is inside the folder artifact ${folder.uid} ("${folder.storageKey}"); replace or delete that folder instead`, 'input.key');
  if (!isFolder) return;
  const inside = await tx.artifact.findFirst({ where: { storageId, storageKey: { startsWith: `${storageKey}/` } } });
  if (inside) throw new InvalidInputError(`artifact ${inside.uid} is inside "${storageKey}" ("${inside.storageKey}"); a folder artifact owns all of its files`, 'input.path');
}

/**
 * A key is about to receive a promoted object: work still owed on it must be dead (an expired deletion is dropped,
 * since the promotion replaces those bytes anyway), and a file no artifact owns is never overwritten.
 */
export async function prepareTargetKey(tx: Tx, storageId: number, storageKey: string, fileAtKey: boolean, isFolder = false): Promise<void> {
  await refuseFolderOverlap(tx, storageId, storageKey, isFolder);
  const pending = await pendingWork(tx, { storageId, key: storageKey });
  if (pending.some((work) => work.live)) {
    throw new StorageBusyError(`the object at "${storageKey}" is being changed by another request; try again in a moment`);
  }
  const expiredDeletions = pending.filter((work) => work.kind === 'DELETE' && work.fromKey === storageKey);
  if (expiredDeletions.length) {
    await tx.storageOperation.deleteMany({ where: { id: { in: expiredDeletions.map((work) => work.id) } } });
  } else if (fileAtKey) {
    throw new FileExistsError(storageKey);
  }
}

/** LaminDB's update of an existing artifact that a save returns: a new description wins. */
async function refreshExisting(tx: Tx, prepared: PreparedSave, existing: Artifact, warnings: string[]): Promise<Artifact> {
  const description = prepared.input.description;
  if (!description || description === existing.description) return existing;
  warnings.push(`updated description from ${existing.description === null ? 'none' : `'${existing.description}'`} to '${description}'`);
  return tx.artifact.update({ where: { id: existing.id }, data: { description } });
}

/** LaminDB's lineage of a re-save: a creator-less artifact gets this run; otherwise the run re-creates it, unless it read it. */
async function recordRecreatingRun(tx: Tx, prepared: PreparedSave, existing: Artifact): Promise<Artifact> {
  const run = prepared.run;
  if (!run || existing.runId === run.id) return existing;
  if (existing.runId === null) return tx.artifact.update({ where: { id: existing.id }, data: { runId: run.id } });
  const readByRun = await tx.runInputArtifact.findUnique({ where: { runId_artifactId: { runId: run.id, artifactId: existing.id } } });
  if (readByRun) return existing; // a run that read the artifact does not re-create it (no cycle in the lineage)
  await tx.artifactRecreatingRun.upsert({
    where: { artifactId_runId: { artifactId: existing.id, runId: run.id } },
    update: {},
    create: { artifactId: existing.id, runId: run.id },
  });
  return existing;
}

/** Saving content an artifact already has: LaminDB's rules, and the takeover of a killed upload. */
async function returnExisting(tx: Tx, prepared: PreparedSave, staged: StagedContent, found: Artifact, warnings: string[]): Promise<{ value: SaveOutcome; owed: OwedWork[] }> {
  warnings.push(`returning existing artifact with same hash: ${found.uid}`);
  if (prepared.key && found.key && prepared.key !== found.key) {
    warnings.push(`key ${found.key} on existing artifact differs from passed key ${prepared.key}, keeping original key`);
  }
  const existing = await recordRecreatingRun(tx, prepared, await refreshExisting(tx, prepared, found, warnings));
  const value: SaveOutcome = { kind: 'existing', artifact: existing, warnings, promoting: false };
  if (existing.storageOngoing && existing.nFiles !== null) {
    // A folder's interrupted promotions are recovery's to finish or undo as a whole (recovery/folder-recovery.ts).
    warnings.push(`folder artifact ${existing.uid} is still being stored; storageOngoing clears when all of its files are in place`);
    return { value, owed: [] };
  }
  if (!existing.storageOngoing || !staged.stagingKey || staged.folderUploadId !== undefined || existing.storageId !== staged.storage.id) return { value, owed: [] };

  // A killed upload left the row flagged. Whether its promotion still runs is a fact: its lease.
  const interrupted = (await pendingWork(tx, { artifactId: existing.id })).filter((work) => work.kind === 'PROMOTE');
  if (interrupted.some((work) => work.live)) {
    warnings.push(`artifact ${existing.uid} is being stored by another request; storageOngoing clears when it is in place`);
    return { value, owed: [] };
  }
  // Its lease expired: these identical bytes finish it (LaminDB's re-run); the dead run's staged copy goes.
  warnings.push(`finishing the interrupted upload of ${existing.uid}`);
  await tx.storageOperation.deleteMany({ where: { id: { in: interrupted.map((work) => work.id) } } });
  const previous = interrupted.find((work) => work.previous)?.previous as PreviousFields | undefined;
  const owed: OwedWork[] = [
    { kind: 'PROMOTE', storageId: existing.storageId, artifactId: existing.id, fromKey: staged.stagingKey, toKey: existing.storageKey, expected: staged.fingerprint!, previous },
    ...interrupted
      .filter((work) => work.fromKey !== staged.stagingKey)
      .map((work): OwedWork => ({ kind: 'DELETE', storageId: work.storageId, artifactId: null, fromKey: work.fromKey })),
  ];
  return { value: { ...value, promoting: true }, owed };
}

/**
 * What a save finds already stored (LaminDB 2.x): the same key with the same content in the storage is that artifact
 * whatever the mode (a trashed one comes back); otherwise, unless the content is empty or registered in place,
 * an artifact with the same content outside the trash (ERROR: HashExists; RETURN_EXISTING: it; CREATE_NEW: a new
 * one). Content only in the trash never comes back implicitly: a new artifact is made, with a warning naming it.
 */
async function findStored(tx: Tx, prepared: PreparedSave, staged: StagedContent, warnings: string[], unstoredHashes?: Set<string>): Promise<Artifact | undefined> {
  const content = sameContentWhere(staged);
  const lookUpContent = !prepared.registeredKey && staged.size > 0;
  // One lookup for both: the content outside the trash, and in the trash (named in a warning when nothing else has it).
  const known = unstoredHashes?.has(staged.hash) === true;
  const withContent =
    lookUpContent && !known
      ? await tx.$queryRaw<Artifact[]>`
          SELECT * FROM "Artifact" WHERE hash = ${staged.hash} AND "fullChecksum" IS NOT DISTINCT FROM ${staged.fullChecksum}::text ORDER BY id`
      : [];
  const sameContent = withContent.filter((artifact) => artifact.branch !== 'TRASH');
  if (prepared.ifHashExists === 'ERROR' && sameContent[0]) throw new HashExistsError(sameContent[0].uid);
  if (prepared.key && !prepared.registeredKey) {
    const sameKey = await tx.artifact.findFirst({
      where: { ...content, storageId: prepared.storage.id, key: prepared.key },
      orderBy: [{ branch: 'asc' }, { id: 'desc' }],
    });
    if (sameKey?.branch === 'TRASH') {
      warnings.push(`restored artifact ${sameKey.uid} from the trash: it has this key and this content`);
      const latest = await latestOnReturn(tx, sameKey);
      return tx.artifact.update({ where: { id: sameKey.id }, data: { branch: 'MAIN', isLatest: latest } });
    }
    if (sameKey) return sameKey;
  }
  if (prepared.registeredKey) {
    const registered = await tx.artifact.findFirst({ where: { storageId: prepared.storage.id, storageKey: prepared.registeredKey } });
    if (registered && registered.hash === staged.hash) return registered; // the same file registered again
  }
  if (sameContent[0] && prepared.ifHashExists === 'RETURN_EXISTING') return sameContent[0];
  if (sameContent[0]) warnings.push(`creating new artifact despite existing artifact with same hash: ${sameContent[0].uid}`);
  if (lookUpContent && !sameContent[0]) {
    const trashed = withContent.findLast((artifact) => artifact.branch === 'TRASH');
    if (trashed) warnings.push(`artifact ${trashed.uid} with this content is in the trash; creating a new artifact (restore ${trashed.uid} to use it instead)`);
  }
  return undefined;
}

/** The locks a save's commit holds: its content, and its key in its storage. */
export function saveLocks(prepared: PreparedSave, staged: StagedContent): string[] {
  return [hashLock(staged.hash), ...(prepared.key ? [keyLock(prepared.storage.id, prepared.key)] : []), ...reservedUidLocks(staged)];
}

/**
 * The deletion of an upload's object that a commit does not use (its content was stored already): owed work of the
 * commit, so that a crash right after it cannot leave the object behind (on S3 it lies outside the staging area).
 */
export function unusedUploadDeletion(prepared: PreparedSave, staged: StagedContent): OwedWork[] {
  if (!commitDeletesUnused(prepared, staged)) return [];
  return [{ kind: 'DELETE', storageId: staged.storage.id, artifactId: null, fromKey: staged.stagingKey! }];
}

/** Whether the commit owes the deletion of unused staged bytes (a single-file upload's), or the caller discards them. */
export function commitDeletesUnused(prepared: PreparedSave, staged: StagedContent): boolean {
  return prepared.upload !== undefined && staged.folderUploadId === undefined && staged.stagingKey !== null;
}

/** Step 2 of a save: dedup, versions and keys; a new row says storageOngoing until its bytes are promoted. */
export async function commitSave(
  tx: Tx,
  services: ArtifactServices,
  prepared: PreparedSave,
  staged: StagedContent,
  options: Parameters<typeof applySaveRules>[4],
): Promise<{ value: SaveOutcome; owed: OwedWork[] }> {
  const result = await applySaveRules(tx, services, prepared, staged, options);
  if (!result.value.promoting) result.owed.push(...unusedUploadDeletion(prepared, staged));
  return result;
}

async function applySaveRules(
  tx: Tx,
  services: ArtifactServices,
  prepared: PreparedSave,
  staged: StagedContent,
  options: {
    fileAtKey: boolean;
    locksHeld?: boolean;
    /** Hashes no artifact had when the caller's transaction took their locks (a batch looks them up at once). */
    unstoredHashes?: Set<string>;
  },
): Promise<{ value: SaveOutcome; owed: OwedWork[] }> {
  await claimUpload(tx, prepared, staged);
  if (!options.locksHeld) await lock(tx, ...saveLocks(prepared, staged));
  const warnings: string[] = [];

  const stored = await findStored(tx, prepared, staged, warnings, options.unstoredHashes);
  if (stored) return returnExisting(tx, prepared, staged, stored, warnings);
  if (isAnonymous(prepared.input)) throw anonymousContentError('input');

  let uid: string;
  if (prepared.revises) {
    uid = await nextVersionUid(tx, prepared.revises.uid);
  } else if (prepared.key && !prepared.registeredKey) {
    const previous = await tx.artifact.findFirst({
      where: { storageId: prepared.storage.id, key: prepared.key, branch: 'MAIN' },
      orderBy: [{ isLatest: 'desc' }, { id: 'desc' }],
    });
    if (previous) await services.faults.reach('save.beforeVersion', { uid: previous.uid, key: prepared.key });
    uid = previous ? await nextVersionUid(tx, previous.uid) : (staged.reservedUid ?? firstVersionUid());
    if (previous) warnings.push(`creating a new version of ${previous.uid} under key "${prepared.key}"`);
  } else {
    uid = staged.reservedUid ?? firstVersionUid();
  }

  const storageKey = prepared.registeredKey ?? (prepared.key && !prepared.keyIsVirtual ? prepared.key : autoStorageKey(uid, prepared.suffix));
  // An S3 upload's or a local save's bytes were written to the key its uid reserved (uploads.ts, in-place.ts):
  // published by this transaction, nothing to promote.
  const inPlace = staged.stagingKey === storageKey;
  if (!prepared.keyIsVirtual) {
    const occupant = await tx.artifact.findFirst({ where: { storageId: prepared.storage.id, storageKey } });
    if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
    if (!prepared.registeredKey) await prepareTargetKey(tx, prepared.storage.id, storageKey, options.fileAtKey, staged.folderUploadId !== undefined);
    else await refuseFolderOverlap(tx, prepared.storage.id, storageKey, staged.nFiles !== undefined);
  }
  let artifact: Artifact;
  try {
    // Raw SQL: the hot statement of every save, and of each input of a bulk save (Prisma's create costs twice as much).
    [artifact] = (await tx.$queryRaw<Artifact[]>`
      INSERT INTO "Artifact" (uid, key, description, suffix, kind, size, hash, "hashType", "fullChecksum", "nFiles", "keyIsVirtual", "storageKey",
                              "versionTag", "isLatest", "storageOngoing", "storageId", "createdById", "runId", "updatedAt")
      VALUES (${uid}, ${prepared.key}, ${prepared.input.description ?? prepared.revises?.description ?? null}, ${prepared.suffix},
              ${prepared.input.kind ?? prepared.revises?.kind ?? null}, ${BigInt(staged.size)}, ${staged.hash}, ${staged.hashType},
              ${staged.fullChecksum}, ${staged.nFiles ?? null}::int, ${prepared.keyIsVirtual}, ${storageKey}, ${prepared.input.versionTag ?? null}, true,
              ${staged.stagingKey !== null && !inPlace}, ${prepared.storage.id}, ${services.user.id}, ${prepared.run?.id ?? null}::int, now())
      RETURNING *`) as [Artifact];
  } catch (error) {
    if (isUniqueViolation(error, 'versionTag') && prepared.input.versionTag) throw new VersionTagTakenError(prepared.input.versionTag);
    throw error;
  }
  options.unstoredHashes?.delete(staged.hash);
  if (inPlace) await services.faults.reach('publish.beforeCommit', { key: storageKey });
  const owed: OwedWork[] =
    staged.folderUploadId !== undefined
      ? await folderPromotions(tx, staged.folderUploadId, prepared.storage.id, artifact.id, storageKey)
      : staged.stagingKey && !inPlace
        ? [{ kind: 'PROMOTE', storageId: prepared.storage.id, artifactId: artifact.id, fromKey: staged.stagingKey, toKey: storageKey, expected: staged.fingerprint! }]
        : [];
  return { value: { kind: 'created', artifact, warnings, promoting: owed.length > 0 || inPlace, inPlace }, owed };
}

/**
 * Whether a batch input is plainly new: content no artifact has (and no other input of the batch), no key, no
 * version, no upload to claim and nothing registered in place. No save rule applies to it beyond its own row, so a
 * batch inserts all such inputs with one statement (insertNewArtifacts) instead of one commit each.
 */
export function isPlainNewSave(prepared: PreparedSave, staged: StagedContent, unstoredHashes: Set<string>, hashesInBatch: Map<string, number>): boolean {
  return (
    !prepared.key &&
    !prepared.revises &&
    !prepared.registeredKey &&
    !prepared.upload &&
    staged.stagingKey !== null &&
    !isAnonymous(prepared.input) &&
    unstoredHashes.has(staged.hash) &&
    hashesInBatch.get(staged.hash) === 1
  );
}

/** Step 2 for the plainly new inputs of a batch (isPlainNewSave): their rows in one multi-row insert, in input order. */
export async function insertNewArtifacts(tx: Tx, services: ArtifactServices, saves: { prepared: PreparedSave; staged: StagedContent }[]): Promise<{ value: SaveOutcome; owed: OwedWork[] }[]> {
  if (!saves.length) return [];
  const uids = saves.map(({ staged }) => staged.reservedUid ?? firstVersionUid());
  const storageKeys = saves.map(({ prepared }, index) => autoStorageKey(uids[index]!, prepared.suffix));
  const inPlace = saves.map(({ staged }, index) => staged.stagingKey === storageKeys[index]);
  const column = <T>(value: (save: { prepared: PreparedSave; staged: StagedContent }) => T) => saves.map(value);
  const rows = await tx.$queryRaw<Artifact[]>`
    INSERT INTO "Artifact" (uid, description, suffix, kind, size, hash, "hashType", "fullChecksum", "keyIsVirtual", "storageKey",
                            "versionTag", "isLatest", "storageOngoing", "storageId", "createdById", "runId", "updatedAt")
    SELECT row.uid, row.description, row.suffix, row.kind, row.size, row.hash, row.hash_type, row.full_checksum, row.key_is_virtual,
           row.storage_key, row.version_tag, true, NOT row.in_place, row.storage_id, ${services.user.id}, row.run_id, now()
    FROM unnest(
      ${uids}::text[],
      ${column(({ prepared }) => prepared.input.description ?? null)}::text[],
      ${column(({ prepared }) => prepared.suffix)}::text[],
      ${column(({ prepared }) => prepared.input.kind ?? null)}::text[],
      ${column(({ staged }) => String(staged.size))}::bigint[],
      ${column(({ staged }) => staged.hash)}::text[],
      ${column(({ staged }) => staged.hashType)}::text[],
      ${column(({ staged }) => staged.fullChecksum)}::text[],
      ${column(({ prepared }) => prepared.keyIsVirtual)}::boolean[],
      ${storageKeys}::text[],
      ${column(({ prepared }) => prepared.input.versionTag ?? null)}::text[],
      ${column(({ prepared }) => prepared.storage.id)}::int[],
      ${column(({ prepared }) => prepared.run?.id ?? null)}::int[],
      ${inPlace}::boolean[]
    ) WITH ORDINALITY AS row(uid, description, suffix, kind, size, hash, hash_type, full_checksum, key_is_virtual, storage_key, version_tag, storage_id, run_id, in_place, position)
    ORDER BY row.position
    RETURNING *`;
  if (inPlace.some(Boolean)) await services.faults.reach('publish.beforeCommit', {});
  const byUid = new Map(rows.map((artifact) => [artifact.uid, artifact]));
  return saves.map(({ prepared, staged }, index) => {
    const artifact = byUid.get(uids[index]!)!;
    return {
      value: { kind: 'created', artifact, warnings: [], promoting: true, inPlace: inPlace[index] },
      owed: inPlace[index]
        ? []
        : [{ kind: 'PROMOTE', storageId: prepared.storage.id, artifactId: artifact.id, fromKey: staged.stagingKey!, toKey: storageKeys[index]!, expected: staged.fingerprint! }],
    };
  });
}

