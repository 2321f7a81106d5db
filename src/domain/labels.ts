// Duplicate-aware labels (seed 004): an exact name returns the existing label, similar names stop the creation
// and are shown so a person can decide, and bulk creation costs a constant number of SQL statements per batch.
import type { ULabel } from '../db/generated/client';
import type { Database } from '../db/client';
import { InvalidInputError, isUniqueViolation, NotFoundError, RecordInUseError } from './errors';
import { escapeLike } from './filters';
import { randomBase62, uidLengths } from './uid';

export interface ULabelInput {
  name: string;
  description?: string | null;
  reference?: string | null;
  referenceType?: string | null;
  isType?: boolean | null;
  /** The label type (a label with isType) this label belongs to. */
  typeUid?: string | null;
  /** The run creating the label (lineage); one batch belongs to at most one run. */
  runUid?: string | null;
}

export interface SimilarLabel {
  ulabel: ULabel;
  /** pg_trgm similarity to the requested name, 0..1. */
  score: number;
}

export type ULabelOutcome =
  | { kind: 'created'; ulabel: ULabel; warnings?: string[] }
  | { kind: 'existing'; ulabel: ULabel }
  | { kind: 'similar'; requestedName: string; similar: SimilarLabel[] };

/** Trigram similarity above which a name is a candidate (listed), as LaminDB's search finds them. */
export const TRIGRAM_THRESHOLD = 0.5;
/** Trigram similarity at or above which a candidate is close enough to stop the creation. */
export const CLOSE_TRIGRAM_THRESHOLD = 0.9;
export const MAX_SIMILAR = 10;

/** A name without case, spaces and punctuation: "T-cell", "t cell" and "T cell" are one. */
function folded(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Levenshtein distance, stopping early past `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether `a` and `b` differ in digits: numbered series (Sample 1, Sample 4) do. */
function differsInDigits(a: string, b: string): boolean {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return /\d/.test(a.slice(start, endA) + b.slice(start, endB));
}

/**
 * Whether `candidate` is close enough to `requested` to stop a creation and ask a person: the same name without case,
 * spaces and punctuation, or the same but for a plural "s"; one character off in a name of 8 or more characters
 * (a typo), unless the difference is in digits (a numbered series: "Sample 4" beside "Sample 1"); or a trigram
 * similarity of at least CLOSE_TRIGRAM_THRESHOLD. Weaker candidates only become warnings.
 */
export function isCloseName(requested: string, candidate: string, similarity: number): boolean {
  const a = folded(requested);
  const b = folded(candidate);
  if (a === b || a.replace(/s$/, '') === b.replace(/s$/, '')) return true;
  if (Math.min(a.length, b.length) >= 8 && editDistance(a, b, 1) === 1 && !differsInDigits(a, b)) return true;
  return similarity >= CLOSE_TRIGRAM_THRESHOLD && !differsInDigits(a, b);
}

/** LaminDB's search fragment: names over 5 characters are cut to 80 % of their length. */
export function searchFragment(name: string): string {
  return name.length > 5 ? name.slice(0, Math.floor(name.length * 0.8)) : name;
}

function validate(inputs: ULabelInput[], fieldPrefix: (index: number) => string): void {
  inputs.forEach((input, index) => {
    const name = input.name.trim();
    if (!name) throw new InvalidInputError('a label needs a non-empty name', `${fieldPrefix(index)}.name`);
    if (name.length > 255) throw new InvalidInputError('a label name has at most 255 characters', `${fieldPrefix(index)}.name`);
    if (input.isType && input.typeUid) throw new InvalidInputError('a label type cannot itself belong to a type', `${fieldPrefix(index)}.typeUid`);
  });
}

/**
 * Creates labels in one batch: 1 query for the types, 1 for exact matches, 1 for similar names (when searching),
 * 1 insert, and 1 re-read of names that a concurrent request created first (and 1 to set the similarity threshold): at most 6 statements for any size.
 */
/** The run a batch of labels belongs to: at most one, and it must exist. */
async function runIdOf(db: Database, inputs: ULabelInput[], fieldPrefix: (index: number) => string): Promise<number | null> {
  const runUids = [...new Set(inputs.map((input) => input.runUid).filter((uid): uid is string => Boolean(uid)))];
  if (runUids.length > 1) throw new InvalidInputError('one batch of labels belongs to at most one run', 'input.labels');
  if (!runUids[0]) return null;
  const run = await db.run.findUnique({ where: { uid: runUids[0] } });
  if (!run) throw new InvalidInputError(`no run with uid ${runUids[0]}`, `${fieldPrefix(inputs.findIndex((input) => input.runUid))}.runUid`);
  return run.id;
}

export async function createULabels(
  db: Database,
  inputs: ULabelInput[],
  options: { searchNames: boolean; createdById: number; fieldPrefix?: (index: number) => string },
): Promise<ULabelOutcome[]> {
  const fieldPrefix = options.fieldPrefix ?? ((index: number) => `input.labels.${index}`);
  validate(inputs, fieldPrefix);
  const runId = await runIdOf(db, inputs, fieldPrefix);
  const names = inputs.map((input) => input.name.trim());

  const typeUids = [...new Set(inputs.map((input) => input.typeUid).filter((uid): uid is string => Boolean(uid)))];
  const types = typeUids.length ? await db.uLabel.findMany({ where: { uid: { in: typeUids } } }) : [];
  const typeByUid = new Map(types.map((type) => [type.uid, type]));
  const typeIds = inputs.map((input, index) => {
    if (!input.typeUid) return null;
    const type = typeByUid.get(input.typeUid);
    if (!type) throw new InvalidInputError(`no label with uid ${input.typeUid}`, `${fieldPrefix(index)}.typeUid`);
    if (!type.isType) throw new InvalidInputError(`label ${type.name} is not a type (isType: false)`, `${fieldPrefix(index)}.typeUid`);
    return type.id;
  });
  const identity = (name: string, typeId: number | null) => `${typeId ?? ''}\u0000${name}`;

  const exact = await db.uLabel.findMany({ where: { name: { in: [...new Set(names)] } } });
  const exactByIdentity = new Map(exact.map((label) => [identity(label.name, label.typeId), label]));

  const exactByName = new Map<string, ULabel[]>();
  for (const label of exact) exactByName.set(label.name, [...(exactByName.get(label.name) ?? []), label]);
  const outcomes: (ULabelOutcome | undefined)[] = names.map((name, index) => {
    // An exact name without a type also finds the one typed label of that name (LaminDB's lookup); two or more
    // are ambiguous and are listed as similar names instead.
    const sameName = exactByName.get(name) ?? [];
    const existing = exactByIdentity.get(identity(name, typeIds[index]!)) ?? (typeIds[index] === null && sameName.length === 1 ? sameName[0] : undefined);
    return existing ? { kind: 'existing', ulabel: existing } : undefined;
  });

  const pending = names.map((_, index) => index).filter((index) => !outcomes[index]);
  // Candidates too far to stop a creation: the label is created and they are listed as warnings.
  const weakerCandidates = new Map<number, SimilarLabel[]>();
  if (options.searchNames && pending.length) {
    const pendingNames = pending.map((index) => names[index]!);
    const fragments = pendingNames.map((name) => `%${escapeLike(searchFragment(name))}%`);
    // `%` (similarity above pg_trgm.similarity_threshold, set for this transaction only) and ILIKE are what the
    // trigram index serves; `similarity(...) > x` would read every label.
    const [, rows] = await db.$transaction([
      db.$queryRaw`SELECT set_config('pg_trgm.similarity_threshold', ${String(TRIGRAM_THRESHOLD)}, true)`,
      db.$queryRaw<(ULabel & { position: number; score: number })[]>`
        SELECT candidate.position::int AS position, similarity(label.name, candidate.name)::float AS score, label.*
        FROM unnest(${pendingNames}::text[], ${fragments}::text[]) WITH ORDINALITY AS candidate(name, fragment, position)
        CROSS JOIN LATERAL (
          SELECT * FROM "ULabel" AS existing
          WHERE existing.branch = 'MAIN'
            AND (existing.name ILIKE candidate.fragment OR existing.name % candidate.name)
            AND (existing.name ILIKE candidate.fragment OR similarity(existing.name, candidate.name) > ${TRIGRAM_THRESHOLD})
          ORDER BY similarity(existing.name, candidate.name) DESC, existing.name
          LIMIT ${MAX_SIMILAR}
        ) AS label`,
    ]);
    const similarByPosition = new Map<number, SimilarLabel[]>();
    for (const { position, score, ...ulabel } of rows) {
      const list = similarByPosition.get(position) ?? [];
      list.push({ ulabel: ulabel as ULabel, score });
      similarByPosition.set(position, list);
    }
    pending.forEach((index, offset) => {
      const similar = similarByPosition.get(offset + 1) ?? [];
      const close = similar.filter((candidate) => isCloseName(names[index]!, candidate.ulabel.name, candidate.score));
      if (close.length) outcomes[index] = { kind: 'similar', requestedName: names[index]!, similar };
      else if (similar.length) weakerCandidates.set(index, similar);
    });
  }

  // One insert for the rest; duplicates within the batch and names a concurrent request created are skipped.
  const toCreate = names.map((_, index) => index).filter((index) => !outcomes[index]);
  const firstIndexByIdentity = new Map<string, number>();
  for (const index of toCreate) {
    const key = identity(names[index]!, typeIds[index]!);
    if (!firstIndexByIdentity.has(key)) firstIndexByIdentity.set(key, index);
  }
  if (firstIndexByIdentity.size) {
    const indexes = [...firstIndexByIdentity.values()];
    const column = <T>(pick: (index: number) => T) => indexes.map(pick);
    // One statement whatever the batch size (an insert per row, or Prisma's chunked createMany, would not be).
    const created = await db.$queryRaw<ULabel[]>`
      INSERT INTO "ULabel" ("uid", "name", "description", "reference", "referenceType", "isType", "typeId", "createdById", "runId", "updatedAt")
      SELECT row.uid, row.name, row.description, row.reference, row.reference_type, row.is_type, row.type_id, ${options.createdById}, ${runId}::int, now()
      FROM unnest(
        ${column(() => randomBase62(uidLengths.ulabel))}::text[],
        ${column((index) => names[index]!)}::text[],
        ${column((index) => inputs[index]!.description ?? null)}::text[],
        ${column((index) => inputs[index]!.reference ?? null)}::text[],
        ${column((index) => inputs[index]!.referenceType ?? null)}::text[],
        ${column((index) => inputs[index]!.isType ?? false)}::boolean[],
        ${column((index) => typeIds[index]!)}::int[]
      ) AS row(uid, name, description, reference, reference_type, is_type, type_id)
      ON CONFLICT DO NOTHING
      RETURNING *`;
    const createdByIdentity = new Map(created.map((label) => [identity(label.name, label.typeId), label]));
    const lostRace = [...firstIndexByIdentity.keys()].filter((key) => !createdByIdentity.has(key));
    const concurrent = lostRace.length
      ? await db.uLabel.findMany({ where: { name: { in: lostRace.map((key) => key.split('\u0000')[1]!) } } })
      : [];
    const concurrentByIdentity = new Map(concurrent.map((label) => [identity(label.name, label.typeId), label]));
    for (const index of toCreate) {
      const key = identity(names[index]!, typeIds[index]!);
      const mine = createdByIdentity.get(key);
      const first = firstIndexByIdentity.get(key) === index;
      const weaker = weakerCandidates.get(index);
      const warnings = weaker?.length
        ? [`similar names exist, not close enough to stop the creation: ${weaker.map(({ ulabel, score }) => `"${ulabel.name}" (${score.toFixed(2)})`).join(', ')}`]
        : undefined;
      if (mine) outcomes[index] = first ? { kind: 'created', ulabel: mine, warnings } : { kind: 'existing', ulabel: mine };
      else outcomes[index] = { kind: 'existing', ulabel: concurrentByIdentity.get(key)! };
    }
  }
  return outcomes as ULabelOutcome[];
}

export async function createULabel(
  db: Database,
  input: ULabelInput,
  options: { searchNames: boolean; createdById: number },
): Promise<ULabelOutcome> {
  const [outcome] = await createULabels(db, [input], { ...options, fieldPrefix: () => 'input.label' });
  return outcome!;
}


/** Links labels to an artifact (idempotent); returns the artifact's id. */
export async function addLabels(db: Database, artifactUid: string, labelUids: string[]): Promise<number> {
  const { artifact, labels } = await resolveLabeling(db, artifactUid, labelUids);
  await db.artifactULabel.createMany({ data: labels.map((label) => ({ artifactId: artifact.id, ulabelId: label.id })), skipDuplicates: true });
  return artifact.id;
}

export async function removeLabels(db: Database, artifactUid: string, labelUids: string[]): Promise<number> {
  const { artifact, labels } = await resolveLabeling(db, artifactUid, labelUids);
  await db.artifactULabel.deleteMany({ where: { artifactId: artifact.id, ulabelId: { in: labels.map((label) => label.id) } } });
  return artifact.id;
}

async function resolveLabeling(db: Database, artifactUid: string, labelUids: string[]) {
  const artifact = await db.artifact.findUnique({ where: { uid: artifactUid } });
  if (!artifact) throw new NotFoundError('artifact', `uid ${artifactUid}`);
  const labels = await db.uLabel.findMany({ where: { uid: { in: labelUids } } });
  const found = new Set(labels.map((label) => label.uid));
  const missing = labelUids.filter((uid) => !found.has(uid));
  if (missing.length) throw new NotFoundError('label', `uid ${missing.join(', ')}`);
  return { artifact, labels };
}

/**
 * LaminDB's delete of a label: to the trash (a trashed label keeps its links and its name; a type takes the labels
 * under it along, as LaminDB's HasType does), or, with `permanent`, the
 * record itself; as LaminDB protects a label that artifacts carry or that types other labels, such a label is
 * refused (remove it from the artifacts, or delete its labels, first). Returns the label as it was last.
 */
export async function deleteULabel(db: Database, uid: string, permanent: boolean): Promise<ULabel> {
  return db.$transaction(async (tx) => {
    const [label] = await tx.$queryRaw<ULabel[]>`SELECT * FROM "ULabel" WHERE uid = ${uid} FOR UPDATE`;
    if (!label) throw new NotFoundError('label', `uid ${uid}`);
    if (!permanent) {
      if (label.branch === 'TRASH') return label;
      // LaminDB: trashing a type trashes every label under it (its children, theirs, ...), in one statement.
      if (label.isType) {
        await tx.$executeRaw`
          WITH RECURSIVE below AS (
            SELECT id FROM "ULabel" WHERE "typeId" = ${label.id}
            UNION SELECT child.id FROM "ULabel" AS child JOIN below ON child."typeId" = below.id)
          UPDATE "ULabel" SET branch = 'TRASH', "updatedAt" = now() WHERE id IN (SELECT id FROM below) AND branch <> 'TRASH'`;
      }
      return tx.uLabel.update({ where: { id: label.id }, data: { branch: 'TRASH' } });
    }
    const [artifacts, children] = [await tx.artifactULabel.count({ where: { ulabelId: label.id } }), await tx.uLabel.count({ where: { typeId: label.id } })];
    if (artifacts) throw new RecordInUseError('LABEL_IN_USE', `label "${label.name}" is on ${artifacts} artifact(s); remove it from them (removeLabels) before deleting it for good`);
    if (children) throw new RecordInUseError('LABEL_IN_USE', `label "${label.name}" is the type of ${children} label(s); delete or retype them first`);
    await tx.uLabel.delete({ where: { id: label.id } });
    return label;
  });
}

/** Brings a label back from the trash (idempotent). */
export async function restoreULabel(db: Database, uid: string): Promise<ULabel> {
  const label = await db.uLabel.findUnique({ where: { uid } });
  if (!label) throw new NotFoundError('label', `uid ${uid}`);
  return label.branch === 'TRASH' ? db.uLabel.update({ where: { id: label.id }, data: { branch: 'MAIN' } }) : label;
}

export interface UpdateULabelInput {
  uid: string;
  name?: string | null;
  description?: string | null;
  reference?: string | null;
  referenceType?: string | null;
}

/** Edits a label; its name stays unique within its type (omitted fields stay, null clears the optional ones). */
export async function updateULabel(db: Database, input: UpdateULabelInput): Promise<ULabel> {
  const label = await db.uLabel.findUnique({ where: { uid: input.uid } });
  if (!label) throw new NotFoundError('label', `uid ${input.uid}`);
  if (input.name === null || (input.name !== undefined && input.name.trim() === '')) throw new InvalidInputError('a label needs a name', 'input.name');
  try {
    return await db.uLabel.update({
      where: { id: label.id },
      data: { name: input.name ?? undefined, description: input.description, reference: input.reference, referenceType: input.referenceType },
    });
  } catch (error) {
    if (!isUniqueViolation(error, 'name')) throw error;
    const holder = await db.uLabel.findFirst({ where: { name: input.name!, typeId: label.typeId } });
    throw new InvalidInputError(`label ${holder?.uid ?? ''} is already named "${input.name}"${label.typeId ? ' in this type' : ''}; names are unique within a type`, 'input.name');
  }
}
