// Step 2 of the save protocol: one short transaction that applies the dedup and version rules, writes the row
// with `storageOngoing = true` and records the storage move it owes. Advisory locks on the content hash and the
// key serialise concurrent saves of the same thing at READ COMMITTED.
import type { Artifact, Prisma } from '../../db/generated/client';
import { autoStorageKey } from '../../storage/keys';
import { HashExistsError, HashInTrashError, InvalidInputError, KeyOccupiedError, VersionTagTakenError } from '../errors';
import { FIRST_VERSION_SUFFIX, nextVersionSuffix, randomBase62, uidLengths } from '../uid';
import { familyLock, hashLock, keyLock, lock, type Tx } from '../locks';
import type { PreparedSave } from './prepare';
import type { ArtifactServices } from './services';
import type { StagedContent } from './staging';

/** Artifacts with the same bytes: equal hash, and equal full checksum where the hash does not cover everything. */
export function sameContentWhere(content: { hash: string; fullChecksum: string | null }): Prisma.ArtifactWhereInput {
  return { hash: content.hash, fullChecksum: content.fullChecksum };
}

/**
 * Whether a promotion started at `startedAt` may still be in progress in some process: copying into place takes
 * at most about 30 s plus 20 ms per MB. Older ones belong to a process that died (LaminDB's killed upload).
 */
export function promotionMayBeRunning(startedAt: Date, size: number): boolean {
  return Date.now() - startedAt.getTime() < 30_000 + size / 50_000;
}

export type CommitOutcome =
  | { kind: 'existing'; artifact: Artifact; warnings: string[]; promotion?: PendingPromotion; supersededStagingKeys?: string[] }
  | { kind: 'created'; artifact: Artifact; warnings: string[]; promotion?: PendingPromotion };

export interface PendingPromotion {
  operationId: number;
  fromKey: string;
  toKey: string;
}

async function recordPromotion(tx: Tx, artifact: Artifact, fromKey: string): Promise<PendingPromotion> {
  const operation = await tx.storageOperation.create({
    data: { kind: 'PROMOTE', storageId: artifact.storageId, artifactId: artifact.id, fromKey, toKey: artifact.storageKey },
  });
  return { operationId: operation.id, fromKey, toKey: artifact.storageKey };
}

function isUniqueViolation(error: unknown, index: string): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? '')}`;
  return (error as { code?: string })?.code === 'P2002' && text.includes(index);
}

/**
 * Next uid of a version family, after locking it; the previous latest version stops being latest. The family's
 * last issued suffix is recorded, so the uid of a deleted version is never issued again.
 */
async function nextVersionUid(tx: Tx, stem: string): Promise<string> {
  await lock(tx, familyLock(stem));
  const [last] = await tx.$queryRaw<{ version: string }[]>`
    SELECT max(version COLLATE "C") AS version FROM (
      SELECT right(uid, 4) AS version FROM "Artifact" WHERE left(uid, 16) = ${stem}
      UNION ALL SELECT "lastVersion" FROM "VersionFamily" WHERE stem = ${stem}
    ) AS issued`;
  const version = last?.version ? nextVersionSuffix(last.version) : FIRST_VERSION_SUFFIX;
  await tx.versionFamily.upsert({ where: { stem }, update: { lastVersion: version }, create: { stem, lastVersion: version } });
  await tx.artifact.updateMany({ where: { uid: { startsWith: stem }, isLatest: true }, data: { isLatest: false } });
  return stem + version;
}

export async function commitSave(services: ArtifactServices, prepared: PreparedSave, staged: StagedContent): Promise<CommitOutcome> {
  const { db, user } = services;
  try {
    return await db.$transaction(async (tx) => {
      if (prepared.upload) {
        // Claimed inside the transaction: a second commit of the same upload finds it COMMITTED and stops.
        const claimed = await tx.uploadSession.updateMany({ where: { id: prepared.upload.id, status: 'RECEIVED' }, data: { status: 'COMMITTED' } });
        if (claimed.count === 0) throw new InvalidInputError(`upload ${prepared.upload.uploadId} was already used`, 'input.uploadId');
      }
      const locks = [hashLock(staged.hash)];
      if (prepared.key) locks.push(keyLock(prepared.storage.id, prepared.key));
      await lock(tx, ...locks);
      const warnings: string[] = [];

      const sameContent = await tx.artifact.findMany({ where: sameContentWhere(staged), orderBy: { id: 'asc' } });
      if (sameContent.length > 0) {
        const existing = sameContent.find((artifact) => artifact.branch !== 'TRASH') ?? sameContent[0]!;
        if (prepared.ifHashExists === 'ERROR') throw new HashExistsError(existing.uid);
        if (prepared.ifHashExists === 'RETURN_EXISTING') {
          if (existing.branch === 'TRASH') throw new HashInTrashError(existing.uid);
          warnings.push(`returning existing artifact with same hash: ${existing.uid}`);
          if (prepared.run && existing.runId !== prepared.run.id) {
            // LaminDB's rule: the creating run stays; this run is recorded as re-creating the artifact.
            await tx.artifactRecreatingRun.upsert({
              where: { artifactId_runId: { artifactId: existing.id, runId: prepared.run.id } },
              update: {},
              create: { artifactId: existing.id, runId: prepared.run.id },
            });
          }
          // A killed upload left the row flagged: these identical bytes finish it (LaminDB's re-run).
          if (existing.storageOngoing && staged.stagingKey && existing.storageId === staged.storage.id) {
            const interrupted = await tx.storageOperation.findMany({ where: { artifactId: existing.id, kind: 'PROMOTE' } });
            if (interrupted.some((operation) => promotionMayBeRunning(operation.createdAt, staged.size))) {
              // Another request is moving these very bytes into place right now: let it finish.
              warnings.push(`artifact ${existing.uid} is being stored by another request; storageOngoing clears when it is in place`);
              return { kind: 'existing', artifact: existing, warnings };
            }
            warnings.push(`finishing the interrupted upload of ${existing.uid}`);
            // This promotion replaces the interrupted ones; their staged copies are dropped once it succeeds.
            await tx.storageOperation.deleteMany({ where: { id: { in: interrupted.map((operation) => operation.id) } } });
            const supersededStagingKeys = interrupted.map((operation) => operation.fromKey);
            return { kind: 'existing', artifact: existing, warnings, promotion: await recordPromotion(tx, existing, staged.stagingKey), supersededStagingKeys };
          }
          return { kind: 'existing', artifact: existing, warnings };
        }
        warnings.push(`creating new artifact despite existing artifact with same hash: ${existing.uid}`);
      }

      let uid: string;
      if (prepared.revises) {
        uid = await nextVersionUid(tx, prepared.revises.uid.slice(0, uidLengths.artifactStem));
      } else if (prepared.key && !prepared.registeredKey) {
        const previous = await tx.artifact.findFirst({
          where: { storageId: prepared.storage.id, key: prepared.key, branch: 'MAIN' },
          orderBy: [{ isLatest: 'desc' }, { id: 'desc' }],
        });
        uid = previous ? await nextVersionUid(tx, previous.uid.slice(0, uidLengths.artifactStem)) : randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
        if (previous) warnings.push(`creating a new version of ${previous.uid} under key "${prepared.key}"`);
      } else {
        uid = randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
      }

      const storageKey = prepared.registeredKey ?? (prepared.key && !prepared.keyIsVirtual ? prepared.key : autoStorageKey(uid, prepared.suffix));
      if (!prepared.keyIsVirtual) {
        const occupant = await tx.artifact.findFirst({ where: { storageId: prepared.storage.id, storageKey } });
        if (occupant) throw new KeyOccupiedError(storageKey, occupant.uid);
      }
      const artifact = await tx.artifact.create({
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
          createdById: user.id,
          runId: prepared.run?.id ?? null,
        },
      });
      const promotion = staged.stagingKey ? await recordPromotion(tx, artifact, staged.stagingKey) : undefined;
      return { kind: 'created', artifact, warnings, promotion };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'versionTag') && prepared.input.versionTag) throw new VersionTagTakenError(prepared.input.versionTag);
    throw error;
  }
}
