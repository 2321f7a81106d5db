// Version families (LaminDB): versions share a 16-character uid stem, the suffix counts up in base62, exactly one
// version of a family is the latest. Every change of which version is the latest goes through here, under the
// family's lock. Artifacts and collections version the same way (16 + 4 character uids); transforms too (12 + 4).
import { Prisma } from '../../db/generated/client';
import { familyLock, lock, type Tx } from '../locks';
import { FIRST_VERSION_SUFFIX, nextVersionSuffix, randomBase62, uidLengths } from '../uid';

/** The uid of a new artifact family's first version. */
export function firstVersionUid(): string {
  return randomBase62(uidLengths.artifactStem) + FIRST_VERSION_SUFFIX;
}

export function stemOf(uid: string): string {
  return uid.slice(0, uidLengths.artifactStem);
}

export type VersionedModel = 'artifact' | 'collection' | 'transform';
const tableOf = { artifact: Prisma.raw('"Artifact"'), collection: Prisma.raw('"Collection"'), transform: Prisma.raw('"Transform"') } as const;
const stemLength = { artifact: uidLengths.artifactStem, collection: uidLengths.artifactStem, transform: uidLengths.transformStem } as const;

interface VersionRow {
  id: number;
  branch: string;
}
/** What this module asks of tx.artifact and tx.collection, which Prisma types apart. */
interface VersionedDelegate {
  findFirst(args: { where: object; orderBy?: object }): Promise<VersionRow | null>;
  update(args: { where: { id: number }; data: { isLatest: boolean } }): Promise<unknown>;
  updateMany(args: { where: object; data: { isLatest: boolean } }): Promise<unknown>;
}
const versionsOf = (tx: Tx, model: VersionedModel) => tx[model] as unknown as VersionedDelegate;

/** A version as this module needs it. */
type Version = { id: number; uid: string; isLatest: boolean };

/**
 * Next uid of the version family of `seen` (a version the caller read), after locking the family; the previous latest
 * version stops being latest. The family's last issued suffix is recorded, so the uid of a deleted version is never
 * issued again; `seen` counts as issued too, since a concurrent permanent delete may have removed it meanwhile.
 */
export async function nextVersionUid(tx: Tx, seen: string, model: Exclude<VersionedModel, 'transform'> = 'artifact'): Promise<string> {
  const stem = stemOf(seen);
  await lock(tx, familyLock(stem));
  const [last] = await tx.$queryRaw<{ version: string }[]>`
    SELECT max(version COLLATE "C") AS version FROM (
      SELECT right(uid, 4) AS version FROM ${tableOf[model]} WHERE left(uid, 16) = ${stem}
      UNION ALL SELECT "lastVersion" FROM "VersionFamily" WHERE stem = ${stem}
      UNION ALL SELECT ${seen.slice(uidLengths.artifactStem)}
    ) AS issued`;
  const version = last?.version ? nextVersionSuffix(last.version) : FIRST_VERSION_SUFFIX;
  await tx.versionFamily.upsert({ where: { stem }, update: { lastVersion: version }, create: { stem, lastVersion: version } });
  await versionsOf(tx, model).updateMany({ where: { uid: { startsWith: stem }, isLatest: true }, data: { isLatest: false } });
  return stem + version;
}

/**
 * `leaving` stops being a MAIN version (trashed, deleted, or its creation undone): if it was the latest, the newest
 * version still in MAIN becomes the latest (LaminDB's successor on the same branch). A family never ends with no
 * latest version: a trashed version with no MAIN successor stays the latest (in the trash), and a deleted one hands
 * over to the newest version left in any branch. Call it before the row changes or goes.
 */
export async function handOverLatest(tx: Tx, leaving: Version, options: { trashing?: boolean; model?: VersionedModel } = {}): Promise<void> {
  if (!leaving.isLatest) return;
  const model = options.model ?? 'artifact';
  const versions = versionsOf(tx, model);
  const stem = leaving.uid.slice(0, stemLength[model]);
  await lock(tx, familyLock(stem));
  const others = { uid: { startsWith: stem }, id: { not: leaving.id } };
  let successor = await versions.findFirst({ where: { ...others, branch: 'MAIN' }, orderBy: { id: 'desc' } });
  if (!successor && options.trashing) return;
  successor ??= await versions.findFirst({ where: others, orderBy: { id: 'desc' } });
  await versions.updateMany({ where: { id: leaving.id }, data: { isLatest: false } });
  if (successor) await versions.update({ where: { id: successor.id }, data: { isLatest: true } });
}

/** `returning` comes back to MAIN: it is the latest again unless a newer version is in MAIN. */
export async function latestOnReturn(tx: Tx, returning: Version, model: VersionedModel = 'artifact'): Promise<boolean> {
  const versions = versionsOf(tx, model);
  const stem = returning.uid.slice(0, stemLength[model]);
  await lock(tx, familyLock(stem));
  const latest = await versions.findFirst({ where: { uid: { startsWith: stem }, isLatest: true } });
  const becomesLatest = !latest || latest.id === returning.id || latest.branch !== 'MAIN' || latest.id < returning.id;
  if (becomesLatest && latest && latest.id !== returning.id) await versions.update({ where: { id: latest.id }, data: { isLatest: false } });
  return becomesLatest;
}
