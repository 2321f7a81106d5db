// Transforms (versioned by key and source hash) and runs (their executions), with lineage between runs and artifacts.
import { createHash } from 'node:crypto';
import type { Database } from '../db/client';
import type { Prisma, Run, RunStatus, Transform } from '../db/generated/client';
import { keyProblem } from '../storage/keys';
import { handOverLatest, latestOnReturn } from './artifacts/versions';
import { familyLock, lock, transformKeyLock, type Tx } from './locks';
import { InvalidInputError, isUniqueViolation, NotFoundError, RecordInUseError, VersionTagTakenError } from './errors';
import { FIRST_VERSION_SUFFIX, nextVersionSuffix, randomBase62, uidLengths } from './uid';

export type TransformKind = 'PIPELINE' | 'NOTEBOOK' | 'SCRIPT' | 'FUNCTION';

export interface TransformInput {
  /** Required unless `revisesUid` is given (then the revised transform's key by default). */
  key?: string | null;
  /** Required unless `revisesUid` is given (then the revised transform's kind by default). */
  kind?: TransformKind | null;
  sourceCode?: string | null;
  versionTag?: string | null;
  description?: string | null;
  /** A new version of this transform's family (LaminDB's `revises`), also under a new key (a renamed script). */
  revisesUid?: string | null;
}

/** md5 of the source, base64url, 22 characters (the artifact hash applied to source code). */
export function sourceHash(sourceCode: string | null | undefined): string | null {
  return sourceCode == null ? null : createHash('md5').update(sourceCode).digest('base64url').slice(0, 22);
}

/**
 * Same key and same source: the existing transform. Same key, new source: the next version (same 12-character
 * stem, next suffix, the only latest). A version tag already used in the family is refused.
 */
export async function createTransform(db: Database, input: TransformInput, createdById: number): Promise<{ transform: Transform; created: boolean }> {
  if (input.revisesUid) return reviseTransform(db, input, input.revisesUid, createdById);
  if (!input.key) throw new InvalidInputError('give the transform a key, e.g. "pipelines/ingest.py" (or revisesUid)', 'input.key');
  if (!input.kind) throw new InvalidInputError('give the transform a kind (or revisesUid)', 'input.kind');
  const key = checkedTransformKey(input.key);
  const hash = sourceHash(input.sourceCode);
  return db.$transaction(async (tx) => {
    await lock(tx, transformKeyLock(key));
    const family = await tx.transform.findMany({ where: { key }, orderBy: { id: 'asc' } });
    return versionInFamily(tx, family, { key, hash, versionTag: input.versionTag }, async () => {
      let uid = randomBase62(uidLengths.transformStem) + FIRST_VERSION_SUFFIX;
      if (family.length) {
        const stem = family[0]!.uid.slice(0, uidLengths.transformStem);
        await lock(tx, familyLock(stem));
        uid = stem + nextVersionSuffix(family[family.length - 1]!.uid.slice(uidLengths.transformStem));
        await tx.transform.updateMany({ where: { key, isLatest: true }, data: { isLatest: false } });
      }
      return { uid, key, kind: input.kind!, sourceCode: input.sourceCode ?? null, hash, versionTag: input.versionTag ?? null, description: input.description ?? null, createdById };
    });
  });
}

/**
 * The family's version with this key and source (and version tag, when given), or a new one made by `newVersion`;
 * a version tag already used in the family is refused.
 */
async function versionInFamily(
  tx: Tx,
  family: Transform[],
  wanted: { key: string; hash: string | null; versionTag?: string | null },
  newVersion: () => Promise<Prisma.TransformUncheckedCreateInput>,
): Promise<{ transform: Transform; created: boolean }> {
  const same = family.find((transform) => transform.key === wanted.key && transform.hash === wanted.hash && (wanted.versionTag == null || transform.versionTag === wanted.versionTag));
  if (same) return { transform: await outOfTrash(tx, same), created: false };
  if (wanted.versionTag && family.some((transform) => transform.versionTag === wanted.versionTag)) throw new VersionTagTakenError(wanted.versionTag);
  return { transform: await tx.transform.create({ data: await newVersion() }), created: true };
}

/** Registering a trashed transform again (a script re-run) brings it back, as saving a trashed artifact's content under
 * its key does. */
async function outOfTrash(tx: Tx, transform: Transform): Promise<Transform> {
  if (transform.branch !== 'TRASH') return transform;
  const isLatest = await latestOnReturn(tx, transform, 'transform');
  return tx.transform.update({ where: { id: transform.id }, data: { branch: 'MAIN', isLatest } });
}

/** Transform keys follow the rules of artifact keys (relative, no "." or ".." segments, no backslashes). */
function checkedTransformKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new InvalidInputError(`invalid transform key "${key}": ${problem}; use a form like "pipelines/ingest.py"`, 'input.key');
  return key;
}

/**
 * LaminDB's `Transform(revises=...)`: the next version of the revised transform's family (its 12-character stem),
 * under its key or a new one; the new version is the family's only latest. The same source under the same key in the
 * family is that version again; a key another family uses is refused.
 */
async function reviseTransform(db: Database, input: TransformInput, revisesUid: string, createdById: number): Promise<{ transform: Transform; created: boolean }> {
  const revises = await db.transform.findUnique({ where: { uid: revisesUid } });
  if (!revises) throw new InvalidInputError(`no transform with uid ${revisesUid} to revise`, 'input.revisesUid');
  const key = checkedTransformKey(input.key ?? revises.key);
  const stem = revises.uid.slice(0, uidLengths.transformStem);
  const hash = sourceHash(input.sourceCode);
  return db.$transaction(async (tx) => {
    await lock(tx, transformKeyLock(key), familyLock(stem));
    const family = await tx.transform.findMany({ where: { uid: { startsWith: stem } }, orderBy: { id: 'asc' } });
    return versionInFamily(tx, family, { key, hash, versionTag: input.versionTag }, async () => {
      const other = await tx.transform.findFirst({ where: { key, NOT: { uid: { startsWith: stem } } } });
      if (other) throw new InvalidInputError(`the key "${key}" belongs to transform ${other.uid}, another family; revise that one instead`, 'input.key');
      const uid = stem + nextVersionSuffix(family[family.length - 1]!.uid.slice(uidLengths.transformStem));
      await tx.transform.updateMany({ where: { uid: { startsWith: stem }, isLatest: true }, data: { isLatest: false } });
      return {
        uid,
        key,
        kind: input.kind ?? revises.kind,
        sourceCode: input.sourceCode ?? null,
        hash,
        versionTag: input.versionTag ?? null,
        description: input.description ?? revises.description,
        createdById,
      };
    });
  });
}

/** Edits a transform's description or version tag (a version tag stays unique in its family; a renamed script is a
 * new version: createTransform with revisesUid). */
export async function updateTransform(db: Database, input: { uid: string; description?: string | null; versionTag?: string | null }): Promise<Transform> {
  const transform = await db.transform.findUnique({ where: { uid: input.uid } });
  if (!transform) throw new NotFoundError('transform', `uid ${input.uid}`);
  try {
    return await db.transform.update({ where: { id: transform.id }, data: { description: input.description, versionTag: input.versionTag } });
  } catch (error) {
    if (isUniqueViolation(error, 'versionTag') && input.versionTag) throw new VersionTagTakenError(input.versionTag);
    throw error;
  }
}

export interface StartRunInput {
  /** A new run of this transform... */
  transformUid?: string | null;
  /** ...or a scheduled run, now starting. */
  runUid?: string | null;
  params?: unknown;
  reference?: string | null;
  referenceType?: string | null;
  /** Create the run as SCHEDULED (LaminDB: a run that exists before it starts). */
  scheduled?: boolean | null;
  /** The run's environment, e.g. a requirements.txt artifact. */
  environmentUid?: string | null;
}

/** An artifact a run points at (report, environment), by uid. */
async function runArtifactId(db: Database, uid: string | null | undefined, field: string): Promise<number | undefined> {
  if (!uid) return undefined;
  const artifact = await db.artifact.findUnique({ where: { uid }, select: { id: true } });
  if (!artifact) throw new InvalidInputError(`no artifact with uid ${uid}`, field);
  return artifact.id;
}

/** startRun: a new run of a transform (STARTED, or SCHEDULED), or the start of a scheduled run. */
export async function startRun(db: Database, input: StartRunInput, createdById: number): Promise<Run> {
  if (Boolean(input.transformUid) === Boolean(input.runUid)) {
    throw new InvalidInputError('give transformUid for a new run, or runUid to start a scheduled one', 'input.transformUid');
  }
  // Like LaminDB's params: named values, which `paramsContain` filters on.
  if (input.params != null && (typeof input.params !== 'object' || Array.isArray(input.params))) {
    throw new InvalidInputError('params must be a JSON object of named values, e.g. {"batch": 3}', 'params');
  }
  const environmentId = await runArtifactId(db, input.environmentUid, 'input.environmentUid');
  if (input.runUid) {
    if (input.scheduled || input.params != null) throw new InvalidInputError('a scheduled run starts with the params it was scheduled with', 'input.runUid');
    const scheduled = await db.run.findUnique({ where: { uid: input.runUid } });
    if (!scheduled) throw new NotFoundError('run', `uid ${input.runUid}`);
    if (scheduled.status === 'STARTED') return scheduled;
    if (scheduled.status !== 'SCHEDULED') throw new InvalidInputError(`run ${input.runUid} already finished as ${scheduled.status}`, 'input.runUid');
    return db.run.update({
      where: { id: scheduled.id },
      data: { status: 'STARTED', startedAt: new Date(), environmentId, reference: input.reference ?? undefined, referenceType: input.referenceType ?? undefined },
    });
  }
  const transform = await db.transform.findUnique({ where: { uid: input.transformUid! } });
  if (!transform) throw new NotFoundError('transform', `uid ${input.transformUid}`);
  return db.run.create({
    data: {
      uid: randomBase62(uidLengths.run),
      transformId: transform.id,
      status: input.scheduled ? 'SCHEDULED' : 'STARTED',
      params: input.params === undefined || input.params === null ? undefined : (input.params as Prisma.InputJsonValue),
      reference: input.reference ?? null,
      referenceType: input.referenceType ?? null,
      environmentId,
      createdById,
    },
  });
}

/** finishRun: a scheduled or started run ends; LaminDB's finish also records the run's report and environment. */
export async function finishRun(
  db: Database,
  input: { runUid: string; status: Exclude<RunStatus, 'STARTED' | 'SCHEDULED'>; reportUid?: string | null; environmentUid?: string | null },
): Promise<Run> {
  const { runUid: uid, status } = input;
  const run = await db.run.findUnique({ where: { uid } });
  if (!run) throw new NotFoundError('run', `uid ${uid}`);
  const open = run.status === 'STARTED' || run.status === 'SCHEDULED';
  if (!open && run.status !== status) {
    throw new InvalidInputError(`run ${uid} already finished as ${run.status}`, 'status');
  }
  const reportId = await runArtifactId(db, input.reportUid, 'input.reportUid');
  const environmentId = await runArtifactId(db, input.environmentUid, 'input.environmentUid');
  if (!open && reportId === undefined && environmentId === undefined) return run;
  return db.run.update({ where: { id: run.id }, data: { status, finishedAt: open ? new Date() : undefined, reportId, environmentId } });
}

/**
 * Records that `runUid` read these artifacts and collections, except artifacts the run itself created or re-created
 * (LaminDB's rule). Returns the run and the number of new input links.
 */
export async function markInputs(db: Database, runUid: string, artifactUids: string[], collectionUids: string[] = []): Promise<{ run: { id: number }; recorded: number }> {
  const run = await db.run.findUnique({ where: { uid: runUid } });
  if (!run) throw new NotFoundError('run', `uid ${runUid}`);
  const artifacts = await db.artifact.findMany({ where: { uid: { in: artifactUids } }, select: { id: true, uid: true } });
  const collections = await db.collection.findMany({ where: { uid: { in: collectionUids } }, select: { id: true, uid: true } });
  const missingArtifacts = missingUids(artifactUids, artifacts);
  if (missingArtifacts.length) throw new NotFoundError('artifact', `uid ${missingArtifacts.join(', ')}`);
  const missingCollections = missingUids(collectionUids, collections);
  if (missingCollections.length) throw new NotFoundError('collection', `uid ${missingCollections.join(', ')}`);
  const recorded = await db.$transaction(async (tx) => {
    const artifactLinks = await linkRunInputs(tx, run.id, artifacts.map((artifact) => artifact.id));
    const collectionLinks = await tx.runInputCollection.createMany({
      data: collections.map((collection) => ({ runId: run.id, collectionId: collection.id })),
      skipDuplicates: true,
    });
    return artifactLinks + collectionLinks.count;
  });
  return { run, recorded };
}

function missingUids(asked: string[], found: { uid: string }[]): string[] {
  const present = new Set(found.map((record) => record.uid));
  return asked.filter((uid) => !present.has(uid));
}

/** Input links from a run to artifacts it read, skipping those it created or re-created; returns the new links. */
export async function linkRunInputs(tx: Tx, runId: number, artifactIds: number[]): Promise<number> {
  if (!artifactIds.length) return 0;
  const inputs = await tx.artifact.findMany({
    where: { id: { in: artifactIds }, OR: [{ runId: null }, { runId: { not: runId } }], recreatingRuns: { none: { runId } } },
    select: { id: true },
  });
  const { count } = await tx.runInputArtifact.createMany({ data: inputs.map((artifact) => ({ runId, artifactId: artifact.id })), skipDuplicates: true });
  return count;
}

export interface LineageGraph {
  artifactIds: number[];
  runIds: number[];
  transformIds: number[];
  edges: { source: LineageNode; target: LineageNode; kind: 'INPUT' | 'OUTPUT' | 'TRANSFORM' }[];
}

export interface LineageNode {
  type: 'Artifact' | 'Run' | 'Transform';
  uid: string;
}

/**
 * The upstream graph of an artifact: the run that created it and that run's transform, the run's inputs, their
 * runs, and so on up to `depth` runs back. Two queries per level, whatever the number of nodes.
 */
export async function upstreamLineage(db: Database, artifactId: number, depth: number): Promise<LineageGraph> {
  const graph: LineageGraph = { artifactIds: [artifactId], runIds: [], transformIds: [], edges: [] };
  const seenArtifacts = new Set([artifactId]);
  const seenRuns = new Set<number>();
  let frontier = [artifactId];
  for (let level = 0; level < depth && frontier.length; level++) {
    const artifacts = await db.artifact.findMany({ where: { id: { in: frontier } }, select: { id: true, uid: true, runId: true, run: { select: { uid: true } } } });
    const runIds = [...new Set(artifacts.map((artifact) => artifact.runId).filter((id): id is number => id !== null))].filter((id) => !seenRuns.has(id));
    for (const artifact of artifacts) {
      if (artifact.run) graph.edges.push({ source: { type: 'Run', uid: artifact.run.uid }, target: { type: 'Artifact', uid: artifact.uid }, kind: 'OUTPUT' });
    }
    if (!runIds.length) break;
    const runs = await db.run.findMany({
      where: { id: { in: runIds } },
      select: { id: true, uid: true, transformId: true, transform: { select: { uid: true } }, inputArtifacts: { select: { artifact: { select: { id: true, uid: true } } } } },
    });
    frontier = [];
    for (const run of runs) {
      seenRuns.add(run.id);
      graph.runIds.push(run.id);
      if (!graph.transformIds.includes(run.transformId)) graph.transformIds.push(run.transformId);
      graph.edges.push({ source: { type: 'Transform', uid: run.transform.uid }, target: { type: 'Run', uid: run.uid }, kind: 'TRANSFORM' });
      for (const { artifact } of run.inputArtifacts) {
        graph.edges.push({ source: { type: 'Artifact', uid: artifact.uid }, target: { type: 'Run', uid: run.uid }, kind: 'INPUT' });
        if (!seenArtifacts.has(artifact.id)) {
          seenArtifacts.add(artifact.id);
          graph.artifactIds.push(artifact.id);
          frontier.push(artifact.id);
        }
      }
    }
  }
  return graph;
}

function outputsPhrase(artifacts: number, collections: number): string {
  return [artifacts ? `${artifacts} artifact(s)` : '', collections ? `${collections} collection(s)` : ''].filter(Boolean).join(' and ');
}

/**
 * LaminDB's delete of a run: to the trash (hidden from lists, links kept), or for good. Artifacts keep the run that
 * created them, so a run with output artifacts or collections is not deleted for good (LaminDB protects them); its
 * input and re-creation links go, labels it created stay.
 */
export async function deleteRun(db: Database, uid: string, permanent = false): Promise<Run> {
  return db.$transaction(async (tx) => {
    const [run] = await tx.$queryRaw<Run[]>`SELECT * FROM "Run" WHERE uid = ${uid} FOR UPDATE`;
    if (!run) throw new NotFoundError('run', `uid ${uid}`);
    if (!permanent) return run.branch === 'TRASH' ? run : tx.run.update({ where: { id: run.id }, data: { branch: 'TRASH' } });
    const outputs = await tx.artifact.count({ where: { runId: run.id } });
    const collections = await tx.collection.count({ where: { runId: run.id } });
    if (outputs || collections) {
      throw new RecordInUseError('RUN_IN_USE', `run ${uid} created ${outputsPhrase(outputs, collections)}, which keep their lineage; delete them first`);
    }
    await tx.run.delete({ where: { id: run.id } });
    return run;
  });
}

export async function restoreRun(db: Database, uid: string): Promise<Run> {
  const run = await db.run.findUnique({ where: { uid } });
  if (!run) throw new NotFoundError('run', `uid ${uid}`);
  return run.branch === 'TRASH' ? db.run.update({ where: { id: run.id }, data: { branch: 'MAIN' } }) : run;
}

/**
 * LaminDB's delete of a transform version: to the trash (the newest version left in MAIN becomes the latest; its
 * runs stay), or for good with its runs (LaminDB cascades them), refused while any of those runs created artifacts
 * or collections. The version before it becomes the family's latest again.
 */
export async function deleteTransform(db: Database, uid: string, permanent = false): Promise<Transform> {
  return db.$transaction(async (tx) => {
    const found = await tx.transform.findUnique({ where: { uid } });
    if (!found) throw new NotFoundError('transform', `uid ${uid}`);
    const stem = found.uid.slice(0, uidLengths.transformStem);
    // The same locks as a new version of the family takes: no version appears while this one goes.
    await lock(tx, transformKeyLock(found.key), familyLock(stem));
    if (!permanent) {
      if (found.branch === 'TRASH') return found;
      await handOverLatest(tx, found, { trashing: true, model: 'transform' });
      return tx.transform.update({ where: { id: found.id }, data: { branch: 'TRASH' } });
    }
    const outputs = await tx.artifact.count({ where: { run: { transformId: found.id } } });
    const collections = await tx.collection.count({ where: { run: { transformId: found.id } } });
    if (outputs || collections) {
      throw new RecordInUseError('TRANSFORM_IN_USE', `runs of transform ${uid} created ${outputsPhrase(outputs, collections)}, which keep their lineage; delete them first`);
    }
    await handOverLatest(tx, found, { model: 'transform' });
    await tx.run.deleteMany({ where: { transformId: found.id } });
    await tx.transform.delete({ where: { id: found.id } });
    return found;
  });
}

/** Brings a transform version back from the trash: the latest again unless a newer version is in MAIN. */
export async function restoreTransform(db: Database, uid: string): Promise<Transform> {
  return db.$transaction(async (tx) => {
    const found = await tx.transform.findUnique({ where: { uid } });
    if (!found) throw new NotFoundError('transform', `uid ${uid}`);
    if (found.branch === 'MAIN') return found;
    await lock(tx, transformKeyLock(found.key));
    const isLatest = await latestOnReturn(tx, found, 'transform');
    return tx.transform.update({ where: { id: found.id }, data: { branch: 'MAIN', isLatest } });
  });
}
