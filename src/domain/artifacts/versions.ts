// Version families (LaminDB): versions share a 16-character uid stem, the suffix counts up in base62, exactly one
// version of a family is the latest. Every change of which version is the latest goes through here, under the
// family's lock.
import type { Artifact } from '../../db/generated/client';
import { familyLock, lock, type Tx } from '../locks';
import { FIRST_VERSION_SUFFIX, nextVersionSuffix, randomBase62, uidLengths } from '../uid';

/** The uid of a new artifact family's first version. */
export function firstVersionUid(): string {
  return randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
}

export function stemOf(uid: string): string {
  return uid.slice(0, uidLengths.artifactStem);
}

/**
 * Next uid of the version family of `seen` (a version the caller read), after locking the family; the previous latest
 * version stops being latest. The family's last issued suffix is recorded, so the uid of a deleted version is never
 * issued again; `seen` counts as issued too, since a concurrent permanent delete may have removed it meanwhile.
 */
export async function nextVersionUid(tx: Tx, seen: string): Promise<string> {
  const stem = stemOf(seen);
  await lock(tx, familyLock(stem));
  const [last] = await tx.$queryRaw<{ version: string }[]>`
    SELECT max(version COLLATE "C") AS version FROM (
      SELECT right(uid, 4) AS version FROM "Artifact" WHERE left(uid, 16) = ${stem}
      UNION ALL SELECT "lastVersion" FROM "VersionFamily" WHERE stem = ${stem}
      UNION ALL SELECT ${seen.slice(uidLengths.artifactStem)}
    ) AS issued`;
  const version = last?.version ? nextVersionSuffix(last.version) : FIRST_VERSION_SUFFIX;
  await tx.versionFamily.upsert({ where: { stem }, update: { lastVersion: version }, create: { stem, lastVersion: version } });
  await tx.artifact.updateMany({ where: { uid: { startsWith: stem }, isLatest: true }, data: { isLatest: false } });
  return stem + version;
}

/**
 * `leaving` stops being a MAIN version (trashed, deleted, or its creation undone): if it was the latest, the newest
 * version still in MAIN becomes the latest (LaminDB's successor on the same branch). A family never ends with no
 * latest version: a trashed version with no MAIN successor stays the latest (in the trash), and a deleted one hands
 * over to the newest version left in any branch. Call it before the row changes or goes.
 */
export async function handOverLatest(tx: Tx, leaving: Pick<Artifact, 'id' | 'uid' | 'isLatest'>, options: { trashing?: boolean } = {}): Promise<void> {
  if (!leaving.isLatest) return;
  const stem = stemOf(leaving.uid);
  await lock(tx, familyLock(stem));
  const others = { uid: { startsWith: stem }, id: { not: leaving.id } };
  let successor = await tx.artifact.findFirst({ where: { ...others, branch: 'MAIN' }, orderBy: { id: 'desc' } });
  if (!successor && options.trashing) return;
  successor ??= await tx.artifact.findFirst({ where: others, orderBy: { id: 'desc' } });
  await tx.artifact.updateMany({ where: { id: leaving.id }, data: { isLatest: false } });
  if (successor) await tx.artifact.update({ where: { id: successor.id }, data: { isLatest: true } });
}

/** `returning` comes back to MAIN: it is the latest again unless a newer version is in MAIN. */
export async function latestOnReturn(tx: Tx, returning: Pick<Artifact, 'id' | 'uid' | 'isLatest'>): Promise<boolean> {
  const stem = stemOf(returning.uid);
  await lock(tx, familyLock(stem));
  const latest = await tx.artifact.findFirst({ where: { uid: { startsWith: stem }, isLatest: true } });
  const becomesLatest = !latest || latest.id === returning.id || latest.branch !== 'MAIN' || latest.id < returning.id;
  if (becomesLatest && latest && latest.id !== returning.id) await tx.artifact.update({ where: { id: latest.id }, data: { isLatest: false } });
  return becomesLatest;
}
