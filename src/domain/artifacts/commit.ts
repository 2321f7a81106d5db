// The rules of a save, applied inside the protocol's commit transaction (protocol.ts, step 2): dedup by content,
// versions by key, real keys that must be free. Advisory locks on the content hash and the key serialise
// concurrent saves of the same thing at READ COMMITTED.
import type { Artifact, Prisma } from '../../db/generated/client';
import { autoStorageKey } from '../../storage/keys';
import {
  FileExistsError,
  HashExistsError,
  HashInTrashError,
  InvalidInputError,
  KeyOccupiedError,
  StorageBusyError,
  VersionTagTakenError,
} from '../errors';
import { hashLock, keyLock, lock, type Tx } from '../locks';
import { FIRST_VERSION_SUFFIX, randomBase62, uidLengths } from '../uid';
import type { PreparedSave } from './prepare';
import type { PreviousFields } from './previous-fields';
import { type OwedWork, pendingWork } from './protocol';
import type { ArtifactServices } from './services';
import type { StagedContent } from './staging';
import { nextVersionUid, stemOf } from './versions';

/** Artifacts with the same bytes: equal hash, and equal full checksum where the hash does not cover everything. */
export function sameContentWhere(content: { hash: string; fullChecksum: string | null }): Prisma.ArtifactWhereInput {
  return { hash: content.hash, fullChecksum: content.fullChecksum };
}

export interface SaveOutcome {
  kind: 'existing' | 'created';
  artifact: Artifact;
  warnings: string[];
  /** The staged bytes are being promoted (a new artifact, or the takeover of an interrupted upload). */
  promoting: boolean;
}

function isUniqueViolation(error: unknown, index: string): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? '')}`;
  return (error as { code?: string })?.code === 'P2002' && text.includes(index);
}

/** Claims an upload session for this commit: a second commit, or bytes received meanwhile, find it changed. */
export async function claimUpload(tx: Tx, prepared: PreparedSave, staged: StagedContent): Promise<void> {
  if (!prepared.upload) return;
  const claimed = await tx.uploadSession.updateMany({
    where: { id: prepared.upload.id, status: 'RECEIVED', stagingKey: staged.stagingKey ?? undefined },
    data: { status: 'COMMITTED' },
  });
  if (claimed.count === 0) {
    throw new InvalidInputError(`upload ${prepared.upload.uploadId} was already used, or received new bytes while it was being committed; commit it again`, 'input.uploadId');
  }
}

/**
 * A key is about to receive a promoted object: work still owed on it must be dead (an expired deletion is dropped,
 * since the promotion replaces those bytes anyway), and a file no artifact owns is never overwritten.
 */
export async function prepareTargetKey(tx: Tx, storageId: number, storageKey: string, fileAtKey: boolean): Promise<void> {
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

/** Saving content an artifact already has (RETURN_EXISTING): LaminDB's rules, and the takeover of a killed upload. */
async function returnExisting(tx: Tx, prepared: PreparedSave, staged: StagedContent, existing: Artifact): Promise<{ value: SaveOutcome; owed: OwedWork[] }> {
  if (existing.branch === 'TRASH') throw new HashInTrashError(existing.uid);
  const warnings = [`returning existing artifact with same hash: ${existing.uid}`];
  if (prepared.run && existing.runId !== prepared.run.id) {
    // LaminDB's rule: the creating run stays; this run is recorded as re-creating the artifact.
    await tx.artifactRecreatingRun.upsert({
      where: { artifactId_runId: { artifactId: existing.id, runId: prepared.run.id } },
      update: {},
      create: { artifactId: existing.id, runId: prepared.run.id },
    });
  }
  const value: SaveOutcome = { kind: 'existing', artifact: existing, warnings, promoting: false };
  if (!existing.storageOngoing || !staged.stagingKey || existing.storageId !== staged.storage.id) return { value, owed: [] };

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

/** Step 2 of a save: dedup, versions and keys; a new row says storageOngoing until its bytes are promoted. */
export async function commitSave(
  tx: Tx,
  services: ArtifactServices,
  prepared: PreparedSave,
  staged: StagedContent,
  options: { fileAtKey: boolean },
): Promise<{ value: SaveOutcome; owed: OwedWork[] }> {
  await claimUpload(tx, prepared, staged);
  const locks = [hashLock(staged.hash)];
  if (prepared.key) locks.push(keyLock(prepared.storage.id, prepared.key));
  await lock(tx, ...locks);
  const warnings: string[] = [];

  const sameContent = await tx.artifact.findMany({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
  if (sameContent.length > 0) {
    const existing = sameContent.find((artifact) => artifact.branch !== 'TRASH') ?? sameContent[0]!;
    if (prepared.ifHashExists === 'ERROR') throw new HashExistsError(existing.uid);
    if (prepared.ifHashExists === 'RETURN_EXISTING') return returnExisting(tx, prepared, staged, existing);
    warnings.push(`creating new artifact despite existing artifact with same hash: ${existing.uid}`);
  }

  let uid: string;
  if (prepared.revises) {
    uid = await nextVersionUid(tx, stemOf(prepared.revises.uid));
  } else if (prepared.key && !prepared.registeredKey) {
    const previous = await tx.artifact.findFirst({
      where: { storageId: prepared.storage.id, key: prepared.key, branch: 'MAIN' },
      orderBy: [{ isLatest: 'desc' }, { id: 'desc' }],
    });
    uid = previous ? await nextVersionUid(tx, stemOf(previous.uid)) : randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
    if (previous) warnings.push(`creating a new version of ${previous.uid} under key "${prepared.key}"`);
  } else {
    uid = randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
  }

  const storageKey = prepared.registeredKey ?? (prepared.key && !prepared.keyIsVirtual ? prepared.key : autoStorageKey(uid, prepared.suffix));
  if (!prepared.keyIsVirtual) {
    const occupant = await tx.artifact.findFirst({ where: { storageId: prepared.storage.id, storageKey } });
    if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
    if (!prepared.registeredKey) await prepareTargetKey(tx, prepared.storage.id, storageKey, options.fileAtKey);
  }
  let artifact: Artifact;
  try {
    artifact = await tx.artifact.create({
      data: {
        uid,
        key: prepared.key,
        description: prepared.input.description ?? prepared.revises?.description ?? null,
        suffix: prepared.suffix,
        kind: prepared.input.kind ?? prepared.revises?.kind ?? null,
        size: BigInt(staged.size),
        hash: staged.hash,
        hashType: staged.hashType,
        fullChecksum: staged.fullChecksum,
        keyIsVirtual: prepared.keyIsVirtual,
        storageKey,
        versionTag: prepared.input.versionTag ?? null,
        isLatest: true,
        storageOngoing: staged.stagingKey !== null,
        storageId: prepared.storage.id,
        createdById: services.user.id,
        runId: prepared.run?.id ?? null,
      },
    });
  } catch (error) {
    if (isUniqueViolation(error, 'versionTag') && prepared.input.versionTag) throw new VersionTagTakenError(prepared.input.versionTag);
    throw error;
  }
  const owed: OwedWork[] = staged.stagingKey
    ? [{ kind: 'PROMOTE', storageId: prepared.storage.id, artifactId: artifact.id, fromKey: staged.stagingKey, toKey: storageKey, expected: staged.fingerprint! }]
    : [];
  return { value: { kind: 'created', artifact, warnings, promoting: owed.length > 0 }, owed };
}
