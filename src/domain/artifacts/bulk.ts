// saveArtifacts: every input is validated before anything is stored (one invalid input saves nothing). The bytes of
// all inputs are staged a few at a time, then ONE run of the storage protocol commits the whole batch in one
// transaction (its locks taken up front, in a stable order), promotes the objects a few at a time and clears the
// work in one more transaction. When an input fails (its upload, or a save rule), the inputs before it are saved
// and listed, as in LaminDB; with `atomic`, nothing is kept. A promotion that fails undoes the whole batch.
import { runBounded } from '../bounded';
import { BulkSaveFailedError, TroveError } from '../errors';
import { lock } from '../locks';
import { commitDeletesUnused, commitSave, insertNewArtifacts, isPlainNewSave, type SaveOutcome, saveLocks } from './commit';
import { type PreparedSave, prepareSave, type SaveArtifactInput, validateSaveInput } from './prepare';
import { settleAfter, WriteIntentFile } from './in-place';
import { deleteMovedOf, type OwedWork, runProtocol } from './protocol';
import { discardFor, removeCreated, saveResultOf, type SaveResult, type StagedSave, stageSave } from './save';
import type { ArtifactServices } from './services';
import { discardStaged } from './staging';

/** Inputs staged (uploaded to the staging area) at the same time, and objects promoted at the same time. */
const PARALLEL_TRANSFERS = 8;

function asTroveError(error: unknown): TroveError {
  return error instanceof TroveError ? error : new TroveError('INTERNAL', (error as Error).message, { cause: error });
}

/** The commit of input `index` failed: the batch's transaction rolled back. */
class InputCommitFailed extends TroveError {
  constructor(
    readonly index: number,
    readonly reason: TroveError,
  ) {
    super(reason.code, reason.message, { cause: reason });
  }
}

interface Failure {
  index: number;
  reason: TroveError;
}

/** Stages every input, PARALLEL_TRANSFERS at a time; after a failure, later inputs are not started. */
async function stageAll(services: ArtifactServices, prepared: PreparedSave[]): Promise<{ staged: (StagedSave | undefined)[]; failure?: Failure }> {
  const staged: (StagedSave | undefined)[] = new Array(prepared.length);
  let failure: Failure | undefined;
  // Inputs after a failed one are not staged: the batch stops there (the failure is the answer, not thrown).
  await runBounded(prepared.length, PARALLEL_TRANSFERS, async (index) => {
    if (failure && failure.index < index) return;
    try {
      staged[index] = await stageSave(services, prepared[index]!);
    } catch (error) {
      if (!failure || index < failure.index) failure = { index, reason: asTroveError(error) };
    }
  });
  return { staged, failure };
}

/** One protocol run for the whole batch: one commit transaction, parallel promotions, one clear. */
function commitBatch(services: ArtifactServices, prepared: PreparedSave[], staged: StagedSave[], onCommitFailed: (rolledBack: boolean) => void) {
  const storeById = new Map(staged.map((content) => [content.storage.id, content.store]));
  return runProtocol<SaveOutcome[]>(services, {
    store: staged[0]!.store,
    storeOf: (storageId) => storeById.get(storageId)!,
    parallelMoves: PARALLEL_TRANSFERS,
    commitTimeoutMs: 5_000 + 25 * prepared.length,
    detail: {},
    onCommitFailed: async (rolledBack) => onCommitFailed(rolledBack),
    commit: async (tx) => {
      // Every lock of the batch in one sorted statement: two batches never wait on each other in opposite order.
      await lock(tx, ...prepared.flatMap((item, index) => saveLocks(item, staged[index]!)));
      // Under those locks no other save can store these contents: one lookup says which are new, and their inputs
      // skip the per-input lookup (a batch input that stores one removes it from the set).
      const hashes = [...new Set(staged.map((content) => content.hash))];
      const stored = await tx.$queryRaw<{ hash: string }[]>`SELECT DISTINCT hash FROM "Artifact" WHERE hash = ANY(${hashes}::text[])`;
      const unstoredHashes = new Set(hashes);
      for (const { hash } of stored) unstoredHashes.delete(hash);
      // Work still owed on artifacts with these contents is locked now, in id order, not input by input (another
      // request clearing its work locks it in the same order).
      if (stored.length) {
        await tx.$queryRaw`
          SELECT owed.id FROM "StorageOperation" AS owed JOIN "Artifact" AS artifact ON artifact.id = owed."artifactId"
          WHERE artifact.hash = ANY(${hashes}::text[]) ORDER BY owed.id FOR UPDATE OF owed`;
      }
      // Plainly new inputs (no rule applies beyond their own row) are inserted together; the others are committed
      // one by one in input order. The two sets share no content, key or version, so their order does not matter.
      const hashesInBatch = new Map<string, number>();
      for (const content of staged) hashesInBatch.set(content.hash, (hashesInBatch.get(content.hash) ?? 0) + 1);
      const plain = prepared.map((item, index) => isPlainNewSave(item, staged[index]!, unstoredHashes, hashesInBatch));
      const plainIndexes = plain.flatMap((isPlain, index) => (isPlain ? [index] : []));
      const committed = new Array<{ value: SaveOutcome; owed: OwedWork[] }>(prepared.length);
      try {
        const inserted = await insertNewArtifacts(tx, services, plainIndexes.map((index) => ({ prepared: prepared[index]!, staged: staged[index]! })));
        inserted.forEach((save, position) => (committed[plainIndexes[position]!] = save));
      } catch (error) {
        throw new InputCommitFailed(plainIndexes[0]!, asTroveError(error));
      }
      for (const [index, item] of prepared.entries()) {
        if (plain[index]) continue;
        try {
          committed[index] = await commitSave(tx, services, item, staged[index]!, { fileAtKey: staged[index]!.fileAtKey, locksHeld: true, unstoredHashes });
        } catch (error) {
          throw new InputCommitFailed(index, asTroveError(error));
        }
      }
      return { value: committed.map((save) => save.value), owed: committed.flatMap((save) => save.owed) };
    },
    // Newest first: a version created in this batch hands "latest" back to the one before it.
    undo: async (tx, outcomes, moved) => {
      const created = outcomes.filter((outcome) => outcome.kind === 'created').map((outcome) => outcome.artifact);
      for (const artifact of [...created].reverse()) await removeCreated(tx, artifact);
      // Bytes that were at their key before the commit (in-place.ts, uploads.ts) go with the rows that owned them.
      const inPlace = outcomes.filter((outcome) => outcome.inPlace).map(({ artifact }): OwedWork => ({ kind: 'DELETE', storageId: artifact.storageId, artifactId: null, fromKey: artifact.storageKey }));
      return [...deleteMovedOf(new Set(created.map((artifact) => artifact.id)), moved), ...inPlace];
    },
  });
}

export async function saveArtifacts(
  services: ArtifactServices,
  inputs: SaveArtifactInput[],
  options: { atomic?: boolean } = {},
): Promise<SaveResult[]> {
  // Checks that need no database first, so a bad input anywhere is refused before any lookup.
  inputs.forEach((input, index) => validateSaveInput(input, services.config.maxUploadBytes, `input.artifacts.${index}`));
  const storages = await services.db.storage.findMany();
  const prepared: PreparedSave[] = [];
  for (const [index, input] of inputs.entries()) prepared.push(await prepareSave(services, input, `input.artifacts.${index}`, storages));
  const intents = await WriteIntentFile.reserve(services, prepared);
  return settleAfter(intents, () => saveReserved(services, prepared, intents, options));
}

/** Stages, commits and settles the batch whose write intents are recorded. */
async function saveReserved(services: ArtifactServices, prepared: PreparedSave[], intents: WriteIntentFile[], options: { atomic?: boolean }): Promise<SaveResult[]> {
  const staging = await stageAll(services, prepared);
  const discardFrom = (start: number, rolledBack = true) =>
    Promise.all(prepared.map((item, index) => (index >= start && staging.staged[index] ? discardFor(item, staging.staged[index]!, rolledBack) : undefined)));
  let failure = staging.failure;
  let count = failure?.index ?? prepared.length;
  if (failure && (options.atomic || count === 0)) {
    await discardFrom(0);
    throw new BulkSaveFailedError(failure.index, failure.reason, [], options.atomic === true);
  }

  let run;
  for (;;) {
    let commitFailed = false;
    let rolledBack = true;
    try {
      run = await commitBatch(services, prepared.slice(0, count), staging.staged.slice(0, count) as StagedSave[], (rolled) => {
        commitFailed = true;
        rolledBack = rolled;
      });
      break;
    } catch (error) {
      // After the commit, the protocol's own error says what happened (a failed promotion undid the batch; work the
      // database could not clear is finished by recovery, which needs the staged objects).
      if (!commitFailed) throw error;
      // An input's rule refused it: without `atomic`, the inputs before it are committed on their own.
      if (error instanceof InputCommitFailed && !options.atomic && error.index > 0) {
        failure = { index: error.index, reason: error.reason };
        count = error.index;
        continue;
      }
      if (!rolledBack) for (const intent of intents) intent.keep();
      await discardFrom(0, rolledBack);
      if (!(error instanceof InputCommitFailed)) throw error;
      throw new BulkSaveFailedError(error.index, error.reason, [], options.atomic === true);
    }
  }
  await discardFrom(count);
  const results = run.value.map((outcome, index) => saveResultOf(services, outcome, staging.staged[index]!));
  await Promise.all(
    run.value.map((outcome, index) => (outcome.promoting || commitDeletesUnused(prepared[index]!, staging.staged[index]!) ? undefined : discardStaged(staging.staged[index]!))),
  );
  if (failure) throw new BulkSaveFailedError(failure.index, failure.reason, results.map((result) => result.artifact.uid), false);
  return results;
}
