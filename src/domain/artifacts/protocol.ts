// The storage protocol: how Trove changes bytes and rows together so that PostgreSQL and the storage never disagree.
// Save, replace and permanent delete all run it; recovery (recovery/sweep.ts) finishes what a crashed run left.
//
//   1. Stage    the new bytes go to a staging key of their own (.trove/staging/...), hashed on the way; nothing is
//               committed, so a failure here leaves nothing but the staged object, which the caller deletes.
//   2. Commit   one short transaction applies the rules (dedup, versions, keys), writes the rows (an artifact whose
//               bytes are not in place yet says storageOngoing) and records the storage work it owes
//               (StorageOperation: PROMOTE staged -> final key, DELETE an object nobody owns any more), leased to
//               this run: the lease says "someone is doing this" as a fact, renewed while the work goes on.
//   3. Perform  promotions first: the staged object must still be the one that was hashed (size and etag or mtime),
//               then it is moved to its key and checked there. Then the deletions.
//   4. Clear    only while the lease is still ours: the owed work goes and storageOngoing clears, in one transaction.
//
// A promotion that fails is undone while we still own it: the rows go back to what they were (a new artifact's row
// is removed, a replaced one gets its previous fields) and our staged object is deleted. Only objects Trove staged
// or promoted are ever deleted. A deletion that fails stays owed: its lease is released so recovery retries it
// at once. A run that dies (SIGKILL, power) stops renewing; once its lease has expired, recovery or the next save of
// the same content takes the work over. Nobody ever touches work whose lease is live, however long it takes.
import type { StorageOperation } from '../../db/generated/client';
import type { Database } from '../../db/client';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store';
import { LeaseLostError, StorageBusyError, StorageFailedError, TroveError } from '../errors';
import { runBounded } from '../bounded';
import { type FaultDetail, SimulatedCrash } from '../fault-points';
import type { Tx } from '../locks';
import { randomBase62 } from '../uid';
import type { PreviousFields } from './previous-fields';
import type { ArtifactServices } from './services';
import { storageFailure } from './staging';

/** What a staged object looked like when its bytes were hashed; checked again before it is published. */
export interface Fingerprint {
  size: number;
  etag?: string;
  mtimeMs?: number;
  /** A folder file's own hash: recovery recognises the file by it once the fingerprint no longer says. */
  hash?: string;
}

export function fingerprintOf(info: ObjectInfo): Fingerprint {
  return { size: info.size, etag: info.etag, mtimeMs: info.lastModified?.getTime() };
}

function sameFingerprint(info: ObjectInfo, expected: Fingerprint): boolean {
  if (info.size !== expected.size) return false;
  if (expected.etag !== undefined && info.etag !== undefined && info.etag !== expected.etag) return false;
  if (expected.mtimeMs !== undefined && info.lastModified !== undefined && info.lastModified.getTime() !== expected.mtimeMs) return false;
  return true;
}

export type OwedWork =
  | { kind: 'PROMOTE'; storageId: number; artifactId: number; fromKey: string; toKey: string; expected: Fingerprint; previous?: PreviousFields }
  | { kind: 'DELETE'; storageId: number; artifactId?: number | null; fromKey: string };

export function newLeaseOwner(): string {
  return randomBase62(24);
}

/** Owed work, as seen inside a transaction that holds it locked: `live` when someone's lease has not expired. */
export interface PendingWork extends StorageOperation {
  live: boolean;
}

/** The work owed on an artifact, or on a key of a storage (as source or target), locked until the transaction ends. */
export async function pendingWork(tx: Tx, where: { artifactId: number } | { storageId: number; key: string }): Promise<PendingWork[]> {
  const rows =
    'artifactId' in where
      ? await tx.$queryRaw<(StorageOperation & { live: boolean })[]>`
          SELECT *, coalesce("leaseExpiresAt" > now(), false) AS live FROM "StorageOperation"
          WHERE "artifactId" = ${where.artifactId} ORDER BY id FOR UPDATE`
      : await tx.$queryRaw<(StorageOperation & { live: boolean })[]>`
          SELECT *, coalesce("leaseExpiresAt" > now(), false) AS live FROM "StorageOperation"
          WHERE "storageId" = ${where.storageId} AND ("fromKey" = ${where.key} OR "toKey" = ${where.key}) ORDER BY id FOR UPDATE`;
  return rows;
}

/** Refuses to change an artifact while storage work on it is owed: another request's (live), or a dead run's. */
export async function refuseWhileWorkOwed(tx: Tx, artifact: { id: number; uid: string }, verb: string): Promise<void> {
  const pending = await pendingWork(tx, { artifactId: artifact.id });
  if (!pending.length) return;
  throw new StorageBusyError(
    pending.some((work) => work.live)
      ? `artifact ${artifact.uid} is being stored by another request; ${verb} it when that is done`
      : `an interrupted change of artifact ${artifact.uid} is being recovered; try again in a few seconds`,
  );
}

/** A deadlock or serialization failure anywhere in `error`'s causes: PostgreSQL rolled the transaction back. */
function isConflict(error: unknown): boolean {
  for (let cause = error as { message?: string; cause?: unknown } | undefined, depth = 0; cause && depth < 6; cause = cause.cause as typeof cause, depth++) {
    if (/deadlock detected|could not serialize access|40P01|40001/.test(String(cause.message ?? ''))) return true;
    if ((cause as { code?: string }).code === 'P2034') return true;
  }
  return false;
}

/**
 * Runs a transaction again when PostgreSQL chose it as the victim of a deadlock: batches lock the work rows of many
 * artifacts, and two of them may meet in opposite orders. Nothing of a rolled-back attempt stays.
 */
export async function retryOnConflict<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isConflict(error)) throw error;
    }
  }
}

/** Records owed work in the caller's transaction, leased to `owner` for `leaseMs` of database time: one statement. */
export async function recordOwedWork(tx: Tx, owed: OwedWork[], owner: string, leaseMs: number): Promise<StorageOperation[]> {
  if (!owed.length) return [];
  const column = <T>(pick: (work: OwedWork) => T) => owed.map(pick);
  const promoting = (work: OwedWork) => (work.kind === 'PROMOTE' ? work : undefined);
  return tx.$queryRaw<StorageOperation[]>`
    INSERT INTO "StorageOperation" (kind, "storageId", "artifactId", "fromKey", "toKey", expected, previous, "leaseOwner", "leaseExpiresAt")
    SELECT work.kind::"StorageOperationKind", work.storage_id, work.artifact_id, work.from_key, work.to_key, work.expected::jsonb, work.previous::jsonb,
           ${owner}, now() + ${leaseMs} * interval '1 millisecond'
    FROM unnest(
      ${column((work) => work.kind)}::text[],
      ${column((work) => work.storageId)}::int[],
      ${column((work) => work.artifactId ?? null)}::int[],
      ${column((work) => work.fromKey)}::text[],
      ${column((work) => promoting(work)?.toKey ?? null)}::text[],
      ${column((work) => (promoting(work) ? JSON.stringify(promoting(work)!.expected) : null))}::text[],
      ${column((work) => (promoting(work)?.previous ? JSON.stringify(promoting(work)!.previous) : null))}::text[]
    ) WITH ORDINALITY AS work(kind, storage_id, artifact_id, from_key, to_key, expected, previous, position)
    ORDER BY work.position
    RETURNING *`;
}

async function setLease(db: Tx | Database, owner: string, ids: number[], leaseMs: number): Promise<number> {
  return db.$executeRaw`
    UPDATE "StorageOperation" SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond'
    WHERE id = ANY(${ids}) AND "leaseOwner" = ${owner}`;
}

/** Takes over work whose lease has expired; returns the ids now leased to `owner`. */
export async function claimExpiredWork(db: Tx | Database, ids: number[], owner: string, leaseMs: number): Promise<number[]> {
  const claimed = await db.$queryRaw<{ id: number }[]>`
    UPDATE "StorageOperation" SET "leaseOwner" = ${owner}, "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond'
    WHERE id = ANY(${ids}) AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= now())
    RETURNING id`;
  return claimed.map((row) => row.id);
}

/** Whether `owner` still holds every one of `ids` (locking them until the transaction ends). */
export async function ownsWork(tx: Tx, owner: string, ids: number[]): Promise<boolean> {
  if (!ids.length) return true;
  const held = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM "StorageOperation" WHERE id = ANY(${ids}) AND "leaseOwner" = ${owner} FOR UPDATE`;
  return held.length === ids.length;
}

/** Lets recovery take `ids` at once (a deletion that failed, a run that could not finish). */
export async function releaseWork(db: Database, owner: string, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await db.$executeRaw`UPDATE "StorageOperation" SET "leaseOwner" = NULL, "leaseExpiresAt" = now() WHERE id = ANY(${ids}) AND "leaseOwner" = ${owner}`;
}

/** Keeps a lease alive while its work goes on; `signal` aborts the work if the lease is lost. */
export class Lease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    readonly owner: string,
    readonly ids: number[],
    leaseMs: number,
  ) {
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(async () => {
        const renewed = await setLease(this.db, owner, ids, leaseMs).catch(() => 0);
        if (renewed < ids.length) this.controller.abort(new LeaseLostError('this storage work'));
      });
    }, Math.max(50, leaseMs / 3));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
  }
}

/** The staged object at `key`, if it is still the one whose bytes were hashed; else a StorageFailedError. */
export async function checkStaged(store: ObjectStore, key: string, expected: Fingerprint): Promise<ObjectInfo> {
  const staged = await store.head(key);
  if (!staged) throw new StorageFailedError('NoSuchKey', `the staged object ${store.locationOf(key)} is gone; nothing was published`);
  if (!sameFingerprint(staged, expected)) {
    throw new StorageFailedError('ContentChanged', `the staged object ${store.locationOf(key)} changed after its bytes were hashed; nothing was published`);
  }
  return staged;
}

/**
 * Moves a staged object to its final key after checking that it is still the object that was hashed, then checks
 * what arrived. Used by live promotions and by recovery.
 */
export async function moveIntoPlace(store: ObjectStore, fromKey: string, toKey: string, expected: Fingerprint, signal?: AbortSignal): Promise<void> {
  const staged = await checkStaged(store, fromKey, expected);
  signal?.throwIfAborted();
  await store.move(fromKey, toKey, { size: staged.size, signal });
  const placed = await store.head(toKey);
  if (!placed || placed.size !== expected.size) {
    throw new StorageFailedError('SizeMismatch', `the object at ${store.locationOf(toKey)} has ${placed?.size ?? 'no'} bytes, expected ${expected.size}`);
  }
}

export interface ProtocolSteps<T> {
  store: ObjectStore;
  /** The store of each storage the work touches, when it spans several (bulk saves); default: `store`. */
  storeOf?: (storageId: number) => ObjectStore;
  /** Promotions run this many at a time (bulk saves); default 1. */
  parallelMoves?: number;
  /** How long the commit transaction may take (bulk saves commit many inputs at once); default Prisma's 5 s. */
  commitTimeoutMs?: number;
  /** Tells fault points which artifact the work is about. */
  detail: FaultDetail;
  /** Step 2: the rules, inside the commit transaction. Returns a value for the caller and the storage work owed. */
  commit(tx: Tx): Promise<{ value: T; owed: OwedWork[] }>;
  /**
   * Puts the rows back as they were before `commit`, when a promotion failed (its bytes never became visible).
   * `moved` reached their key before another one failed: the deletions it returns (e.g. of those objects) are owed
   * work of the undo's own transaction, performed right after it (or by recovery, after a crash).
   */
  undo?(tx: Tx, value: T, moved: StorageOperation[]): Promise<OwedWork[] | void>;
  /**
   * The commit failed: drop what was staged for it. `rolledBack` is false when the failure came from COMMIT itself
   * (a lost connection), after which the rows may or may not have been written.
   */
  onCommitFailed?(rolledBack: boolean): Promise<void>;
}

/** A database failure as a typed error that says what state it left: the change not recorded, perhaps recorded (COMMIT
 * itself failed, e.g. a lost connection), or recorded. */
function databaseError(error: unknown, recorded: 'no' | 'unknown' | 'yes'): TroveError {
  // Prisma's messages may start with blank lines; the first line that says something is the reason.
  const message = (error as Error).message ?? String(error);
  const reason = message.split('\n').map((line) => line.trim()).find(Boolean) ?? 'no reason given';
  const messages = {
    no: `the database could not record the change (${reason}); nothing was saved`,
    unknown: `the database failed during the commit (${reason}); the change may or may not be recorded: look the artifact up before saving it again (recovery settles its bytes either way)`,
    yes: `the database failed after the change was recorded (${reason}); recovery finishes or undoes it within seconds of its lease running out`,
  };
  return new TroveError('DATABASE_ERROR', messages[recorded], { cause: error });
}

export interface ProtocolResult<T> {
  value: T;
  /** Objects deleted as owed. */
  deleted: string[];
  /** Owed deletions that failed; they stay owed and recovery retries them. */
  deferred: string[];
}

/** The store holding a storage's objects: the steps' own lookup for batches across storages, else their one store. */
function stepStore(steps: Pick<ProtocolSteps<unknown>, 'store' | 'storeOf'>, storageId: number): ObjectStore {
  return steps.storeOf?.(storageId) ?? steps.store;
}

/** Runs steps 2 to 4 for work whose bytes (if any) are staged. */
export async function runProtocol<T>(services: ArtifactServices, steps: ProtocolSteps<T>): Promise<ProtocolResult<T>> {
  const { db, config, faults } = services;
  const { detail } = steps;
  const storeOf = (storageId: number) => stepStore(steps, storageId);
  const owner = newLeaseOwner();
  let committed;
  let committing = false;
  try {
    committed = await retryOnConflict(() =>
      db.$transaction(
        async (tx) => {
          committing = false; // a retried attempt starts over
          const { value, owed } = await steps.commit(tx);
          const operations = await recordOwedWork(tx, owed, owner, config.leaseMs);
          committing = true;
          return { value, operations };
        },
        steps.commitTimeoutMs ? { timeout: steps.commitTimeoutMs } : undefined,
      ),
    );
  } catch (error) {
    if (error instanceof SimulatedCrash) throw error; // a dead process cleans nothing up
    await steps.onCommitFailed?.(!committing);
    throw error instanceof TroveError ? error : databaseError(error, committing ? 'unknown' : 'no');
  }
  const { value, operations } = committed;
  const result: ProtocolResult<T> = { value, deleted: [], deferred: [] };
  if (!operations.length) return result;

  const lease = new Lease(db, owner, operations.map((operation) => operation.id), config.leaseMs);
  try {
    await faults.reach('protocol.afterCommit', detail);
    const promotions = operations.filter((operation) => operation.kind === 'PROMOTE');
    const deletions = operations.filter((operation) => operation.kind === 'DELETE');
    const moved: StorageOperation[] = [];
    let failedStore: ObjectStore | undefined;
    try {
      await runBounded(promotions.length, steps.parallelMoves ?? 1, async (index) => {
        const promotion = promotions[index]!;
        const store = storeOf(promotion.storageId);
        try {
          await faults.reach('protocol.beforeMove', detail);
          await moveIntoPlace(store, promotion.fromKey, promotion.toKey!, promotion.expected as unknown as Fingerprint, lease.signal);
          moved.push(promotion);
        } catch (error) {
          failedStore ??= store;
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      await lease.stop();
      await undoPromotions(services, steps, value, owner, operations, moved);
      throw lease.signal.aborted ? lease.signal.reason : storageFailure(error, (failedStore ?? steps.store).root);
    }
    await faults.reach('protocol.afterMove', detail);
    if (promotions.length) await clearWork(services, owner, promotions, 'the save');

    await performDeletions(services, steps, owner, deletions, result);
    return result;
  } catch (error) {
    if (error instanceof SimulatedCrash || error instanceof TroveError) throw error;
    // The bytes may be in place but the rows could not say so (the database went away): recovery finishes it.
    await releaseWork(db, owner, operations.map((operation) => operation.id)).catch(() => undefined);
    throw databaseError(error, 'yes');
  } finally {
    // Also after a simulated crash: a dead process renews nothing, so its lease runs out as it would.
    await lease.stop();
  }
}

/** Performs owed deletions leased to `owner`, clears those done and releases the others to recovery. */
async function performDeletions(
  services: ArtifactServices,
  steps: Pick<ProtocolSteps<unknown>, 'store' | 'storeOf' | 'parallelMoves' | 'detail'>,
  owner: string,
  deletions: StorageOperation[],
  result: Pick<ProtocolResult<unknown>, 'deleted' | 'deferred'>,
): Promise<void> {
  const storeOf = (storageId: number) => stepStore(steps, storageId);
  const done: StorageOperation[] = [];
  await runBounded(deletions.length, steps.parallelMoves ?? 1, async (index) => {
    const deletion = deletions[index]!;
    const store = storeOf(deletion.storageId);
    try {
      await services.faults.reach('protocol.beforeDelete', steps.detail);
      await store.delete(deletion.fromKey);
      result.deleted.push(store.locationOf(deletion.fromKey));
      done.push(deletion);
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      result.deferred.push(`${store.locationOf(deletion.fromKey)} (${(error as Error).message})`);
    }
  });
  await services.faults.reach('protocol.beforeClear', steps.detail);
  if (done.length) await clearWork(services, owner, done, 'the deletion');
  await releaseWork(services.db, owner, deletions.filter((deletion) => !done.includes(deletion)).map((deletion) => deletion.id));
}

/**
 * A key about to receive bytes that nothing owns yet (an upload written straight to its artifact's key), recorded as
 * an owed deletion leased to this request before any byte is sent. A request that dies stops renewing the lease and
 * recovery deletes whatever arrived; one that succeeds hands the key to its owner in the owner's transaction (`drop`).
 */
export class WriteIntent {
  private constructor(
    private readonly services: ArtifactServices,
    private readonly store: ObjectStore,
    private readonly operation: StorageOperation,
    private readonly lease: Lease,
  ) {}

  static async record(services: ArtifactServices, store: ObjectStore, storageId: number, key: string): Promise<WriteIntent> {
    const owner = newLeaseOwner();
    const [operation] = await recordOwedWork(services.db as unknown as Tx, [{ kind: 'DELETE', storageId, artifactId: null, fromKey: key }], owner, services.config.leaseMs);
    return new WriteIntent(services, store, operation!, new Lease(services.db, owner, [operation!.id], services.config.leaseMs));
  }

  /** Aborts the write when recovery has taken the key over (the lease ran out). */
  get signal(): AbortSignal {
    return this.lease.signal;
  }

  /** In the transaction that gives the key an owner: the intent goes, if it is still ours (else LeaseLostError). */
  async drop(tx: Tx): Promise<void> {
    await this.lease.stop();
    if (!(await ownsWork(tx, this.lease.owner, [this.operation.id]))) throw new LeaseLostError('this upload');
    await tx.storageOperation.delete({ where: { id: this.operation.id } });
  }

  /** Stops renewing the lease, as a process that died would: recovery takes the key over once it runs out. */
  async stop(): Promise<void> {
    await this.lease.stop();
  }

  /** The write failed or its bytes are not wanted: they are deleted now, or by recovery if that fails. */
  async abandon(): Promise<void> {
    await this.lease.stop();
    const steps = { store: this.store, detail: { key: this.operation.fromKey } };
    await performDeletions(this.services, steps, this.lease.owner, [this.operation], { deleted: [], deferred: [] }).catch(() => undefined);
  }
}

/** Step 4 for `work`: gone, and storageOngoing cleared where no promotion is owed any more; only under our lease. */
async function clearWork(services: ArtifactServices, owner: string, work: StorageOperation[], what: string): Promise<void> {
  const ids = work.map((operation) => operation.id);
  await retryOnConflict(() =>
    services.db.$transaction(async (tx) => {
      // Deleting only what is still ours says whether it all was: if not, the transaction rolls back. Rows are
      // locked in id order, as a batch's commit locks the work it finds (no deadlock between the two).
      const cleared = await tx.$executeRaw`
        DELETE FROM "StorageOperation" WHERE id IN (
          SELECT id FROM "StorageOperation" WHERE id = ANY(${ids}) AND "leaseOwner" = ${owner} ORDER BY id FOR UPDATE)`;
      if (cleared !== ids.length) throw new LeaseLostError(what);
      await settleArtifacts(tx, work);
    }),
  );
}

/** Clears storageOngoing on the artifacts of `work` that have no promotion owed any more. */
export async function settleArtifacts(tx: Tx, work: Pick<StorageOperation, 'kind' | 'artifactId'>[]): Promise<void> {
  const artifactIds = [...new Set(work.filter((operation) => operation.kind === 'PROMOTE' && operation.artifactId !== null).map((operation) => operation.artifactId!))];
  if (!artifactIds.length) return;
  await tx.$executeRaw`
    UPDATE "Artifact" SET "storageOngoing" = false, "updatedAt" = now()
    WHERE id = ANY(${artifactIds}) AND "storageOngoing"
      AND NOT EXISTS (SELECT 1 FROM "StorageOperation" AS owed WHERE owed."artifactId" = "Artifact".id AND owed.kind = 'PROMOTE')`;
}

/**
 * A promotion failed: while the work is still ours, put the rows back and delete the bytes we staged; the deletions
 * the undo owes (objects promoted before the failure) are recorded with it and performed after it.
 */
async function undoPromotions<T>(services: ArtifactServices, steps: ProtocolSteps<T>, value: T, owner: string, operations: StorageOperation[], moved: StorageOperation[]): Promise<void> {
  const ids = operations.map((operation) => operation.id);
  const undone = await services.db.$transaction(async (tx) => {
    if (!(await ownsWork(tx, owner, ids))) return undefined;
    const owed = (steps.undo ? await steps.undo(tx, value, moved) : undefined) ?? [];
    await tx.storageOperation.deleteMany({ where: { id: { in: ids } } });
    return recordOwedWork(tx, owed, owner, services.config.leaseMs);
  });
  if (!undone) return;
  const storeOf = (storageId: number) => stepStore(steps, storageId);
  const staged = operations.filter((operation) => operation.kind === 'PROMOTE');
  await runBounded(staged.length, steps.parallelMoves ?? 1, (index) => storeOf(staged[index]!.storageId).delete(staged[index]!.fromKey).catch(() => undefined));
  await performDeletions(services, steps, owner, undone, { deleted: [], deferred: [] });
}

/** What an undo owes for the artifacts it removed: the objects their promotions had already put in place. */
export function deleteMovedOf(removedArtifactIds: Set<number>, moved: StorageOperation[]): OwedWork[] {
  return moved
    .filter((promotion) => promotion.artifactId !== null && removedArtifactIds.has(promotion.artifactId))
    .map((promotion) => ({ kind: 'DELETE', storageId: promotion.storageId, artifactId: null, fromKey: promotion.toKey! }));
}
