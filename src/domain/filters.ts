// List filters as plain data, turned into Prisma `where` clauses. Default lists show the MAIN branch only,
// as LaminDB hides trashed and archived records; lookups by uid or hash ignore the branch.
import type { Prisma } from '../db/generated/client';
import { InvalidInputError } from './errors';

export type BranchName = 'MAIN' | 'ARCHIVE' | 'TRASH';

/** Text matched literally inside a LIKE pattern: Prisma's startsWith/contains pass `%` and `_` on as wildcards. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

export type SortDirection = 'ASC' | 'DESC';

export interface CreatedRange {
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

function createdWhere(range: CreatedRange): Prisma.DateTimeFilter | undefined {
  if (!range.createdAfter && !range.createdBefore) return undefined;
  return { gte: range.createdAfter ?? undefined, lt: range.createdBefore ?? undefined };
}

export interface ArtifactFilter extends CreatedRange {
  /** uids starting with this, e.g. a family's 16-character stem. */
  uidPrefix?: string | null;
  keyPrefix?: string | null;
  /** Case-insensitive fragment of the description (index-backed from three characters). */
  descriptionContains?: string | null;
  suffix?: string | null;
  hash?: string | null;
  labelUid?: string | null;
  labelTypeUid?: string | null;
  runUid?: string | null;
  storageUid?: string | null;
  isLatest?: boolean | null;
  branch?: BranchName | null;
}

export function artifactWhere(filter: ArtifactFilter = {}): Prisma.ArtifactWhereInput {
  const labelConditions: Prisma.ArtifactWhereInput[] = [];
  if (filter.labelUid) labelConditions.push({ labels: { some: { ulabel: { uid: filter.labelUid } } } });
  if (filter.labelTypeUid) labelConditions.push({ labels: { some: { ulabel: { type: { uid: filter.labelTypeUid } } } } });
  return {
    // A hash or uid lookup finds trashed records too; plain lists default to MAIN.
    branch: filter.branch ?? (filter.hash ? undefined : 'MAIN'),
    uid: filter.uidPrefix ? { startsWith: escapeLike(filter.uidPrefix) } : undefined,
    key: filter.keyPrefix ? { startsWith: escapeLike(filter.keyPrefix) } : undefined,
    description: filter.descriptionContains ? { contains: escapeLike(filter.descriptionContains), mode: 'insensitive' } : undefined,
    suffix: filter.suffix ?? undefined,
    hash: filter.hash ?? undefined,
    run: filter.runUid ? { uid: filter.runUid } : undefined,
    storage: filter.storageUid ? { uid: filter.storageUid } : undefined,
    isLatest: filter.isLatest ?? undefined,
    createdAt: createdWhere(filter),
    AND: labelConditions.length ? labelConditions : undefined,
  };
}

export interface ULabelFilter extends CreatedRange {
  nameContains?: string | null;
  isType?: boolean | null;
  typeUid?: string | null;
  branch?: BranchName | null;
}

export function ulabelWhere(filter: ULabelFilter = {}): Prisma.ULabelWhereInput {
  return {
    branch: filter.branch ?? 'MAIN',
    name: filter.nameContains ? { contains: escapeLike(filter.nameContains), mode: 'insensitive' } : undefined,
    isType: filter.isType ?? undefined,
    type: filter.typeUid ? { uid: filter.typeUid } : undefined,
    createdAt: createdWhere(filter),
  };
}

export interface TransformFilter extends CreatedRange {
  key?: string | null;
  keyPrefix?: string | null;
  kind?: 'PIPELINE' | 'NOTEBOOK' | 'SCRIPT' | 'FUNCTION' | null;
  isLatest?: boolean | null;
  branch?: BranchName | null;
}

export function transformWhere(filter: TransformFilter = {}): Prisma.TransformWhereInput {
  return {
    branch: filter.branch ?? 'MAIN',
    key: filter.key ?? (filter.keyPrefix ? { startsWith: escapeLike(filter.keyPrefix) } : undefined),
    kind: filter.kind ?? undefined,
    isLatest: filter.isLatest ?? undefined,
    createdAt: createdWhere(filter),
  };
}

export interface RunFilter extends CreatedRange {
  transformUid?: string | null;
  status?: 'SCHEDULED' | 'STARTED' | 'COMPLETED' | 'ERRORED' | 'ABORTED' | null;
  /** Runs whose params contain this JSON object (Postgres `@>`). */
  paramsContain?: unknown;
  branch?: BranchName | null;
}

export function runWhere(filter: RunFilter = {}): Prisma.RunWhereInput {
  const paramConditions: Prisma.RunWhereInput[] = [];
  if (filter.paramsContain != null && (typeof filter.paramsContain !== 'object' || Array.isArray(filter.paramsContain))) {
    throw new InvalidInputError('paramsContain is a JSON object of named values, e.g. {"batch": 3}', 'filter.paramsContain');
  }
  if (filter.paramsContain) {
    for (const [name, value] of Object.entries(filter.paramsContain as Record<string, unknown>)) {
      paramConditions.push({ params: { path: [name], equals: value as Prisma.InputJsonValue } });
    }
  }
  return {
    branch: filter.branch ?? 'MAIN',
    transform: filter.transformUid ? { uid: filter.transformUid } : undefined,
    status: filter.status ?? undefined,
    createdAt: createdWhere(filter),
    AND: paramConditions.length ? paramConditions : undefined,
  };
}

export interface CollectionFilter extends CreatedRange {
  key?: string | null;
  keyPrefix?: string | null;
  /** uids starting with this, e.g. a family's 16-character stem (all its versions). */
  uidPrefix?: string | null;
  descriptionContains?: string | null;
  hash?: string | null;
  /** Collections that contain this artifact. */
  artifactUid?: string | null;
  /** Collections this run created. */
  runUid?: string | null;
  isLatest?: boolean | null;
  branch?: BranchName | null;
}

export function collectionWhere(filter: CollectionFilter = {}): Prisma.CollectionWhereInput {
  return {
    branch: filter.branch ?? (filter.hash ? undefined : 'MAIN'),
    key: filter.key ?? (filter.keyPrefix ? { startsWith: escapeLike(filter.keyPrefix) } : undefined),
    uid: filter.uidPrefix ? { startsWith: escapeLike(filter.uidPrefix) } : undefined,
    description: filter.descriptionContains ? { contains: escapeLike(filter.descriptionContains), mode: 'insensitive' } : undefined,
    hash: filter.hash ?? undefined,
    artifacts: filter.artifactUid ? { some: { artifact: { uid: filter.artifactUid } } } : undefined,
    run: filter.runUid ? { uid: filter.runUid } : undefined,
    isLatest: filter.isLatest ?? undefined,
    createdAt: createdWhere(filter),
  };
}
