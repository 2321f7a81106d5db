// A new artifact's bytes are written once, straight to the key a first version gets (`.lamindb/{uid}{suffix}`, its uid
// reserved before), and its commit writes rows only: one transaction, no owed work. On local storage the write is a
// fresh O_EXCL file; on S3 a PutObject (or a multipart upload for a stream of unknown length), which makes an object
// visible whole or not at all, under a key nobody else can have (a new random uid).
// Before any byte is written, a write intent in the staging area lists the keys about to receive bytes
// (`.trove/staging/in-place.{id}`, a line "uid key" each); it is removed once every save it covers is settled (its
// key owned by its row, promoted from, or deleted). A commit that uses a key holds its uid's advisory lock; recovery,
// finding an intent nobody removed, takes those locks (so it waits for a commit in flight) and deletes each listed key
// that no row owns and no owed work reads, then the intent. A save its commit turns into a version, or that finds its
// content stored, treats the written object as a staged one: promoted from it, or deleted.
import { autoStorageKey, intentKey, isIntentKey } from '../../storage/keys';
import type { ObjectStore } from '../../storage/object-store';
import { SimulatedCrash } from '../fault-points';
import { artifactLock, lock } from '../locks';
import { randomBase62 } from '../uid';
import type { PreparedSave } from './prepare';
import type { ArtifactServices } from './services';
import type { StagedContent } from './staging';
import { firstVersionUid } from './versions';

/** The intent of one request's saves, in one storage: removed by `settle` once they are all settled. */
export class WriteIntentFile {
  private kept = false;

  private constructor(
    private readonly services: ArtifactServices,
    private readonly store: ObjectStore,
    readonly key: string,
  ) {}

  /**
   * Gives each save that may be published in place (content or a stream, into any storage) its target, and records
   * all of them in one intent per storage before any of their bytes are written.
   */
  static async reserve(services: ArtifactServices, saves: PreparedSave[]): Promise<WriteIntentFile[]> {
    if (!services.config.publishInPlace) return [];
    const byStore = new Map<ObjectStore, PreparedSave[]>();
    for (const save of saves) {
      const store = services.stores.storeFor(save.storage.root);
      if (save.input.source.kind !== 'content' && save.input.source.kind !== 'stream') continue;
      byStore.set(store, [...(byStore.get(store) ?? []), save]);
    }
    const intents: WriteIntentFile[] = [];
    for (const [store, inStore] of byStore) {
      for (const save of inStore) {
        const reservedUid = firstVersionUid();
        save.inPlace = { reservedUid, key: autoStorageKey(reservedUid, save.suffix) };
      }
      const intent = new WriteIntentFile(services, store, intentKey(randomBase62(22)));
      try {
        await store.put(intent.key, Buffer.from(inStore.map((save) => `${save.inPlace!.reservedUid} ${save.inPlace!.key}\n`).join('')));
        intents.push(intent);
      } catch {
        // These saves are staged instead, so a storage that refuses writes fails each of them where it stands (a
        // bulk save keeps its per-input outcome), and one that failed only now may still take their bytes.
        for (const save of inStore) save.inPlace = undefined;
      }
    }
    return intents;
  }

  /** The saves' outcome is unknown (a COMMIT that failed may have happened, a dead process): recovery decides. */
  keep(): void {
    this.kept = true;
  }

  /** Every save is settled: the intent goes (should that fail, recovery finds every key settled and removes it). */
  async settle(): Promise<void> {
    if (this.kept) return;
    await this.services.faults.reach('publish.beforeSettle', { key: this.key });
    await this.store.delete(this.key).catch(() => undefined);
  }
}

/**
 * Runs the saves `intents` cover, then removes the intents: also after a failure, whose bytes are deleted by then,
 * unless a commit's outcome is unknown (kept) or the process "died" (a simulated crash cleans nothing up).
 */
export async function settleAfter<T>(intents: WriteIntentFile[], work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) for (const intent of intents) await intent.settle();
    throw error;
  }
  for (const intent of intents) await intent.settle();
  return result;
}

/** The lock a commit holds on the uid its bytes reserved, which recovery takes before deciding about their key. */
export function reservedUidLocks(staged: StagedContent): string[] {
  return staged.reservedUid ? [artifactLock(staged.reservedUid)] : [];
}

/**
 * Recovery of a write intent nobody removed: under the locks of its uids (a commit in flight ends first), each
 * listed key that no row owns and no owed work reads is deleted, then the intent. Returns the locations deleted.
 */
export async function settleIntent(services: ArtifactServices, storageId: number, store: ObjectStore, key: string): Promise<string[]> {
  if (!isIntentKey(key)) return [];
  let listed = '';
  try {
    for await (const chunk of await store.get(key)) listed += String(chunk);
  } catch {
    return []; // gone meanwhile (its request settled it)
  }
  const targets = listed
    .split('\n')
    .map((line) => line.split(' '))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[1]!.length > 0)
    .map(([reservedUid, target]) => ({ reservedUid, key: target }));
  if (!targets.length) return [];
  const keys = targets.map((target) => target.key);
  return services.db.$transaction(
    async (tx) => {
      await lock(tx, ...targets.map((target) => artifactLock(target.reservedUid)));
      const owned = new Set([
        ...(await tx.artifact.findMany({ where: { storageId, storageKey: { in: keys } }, select: { storageKey: true } })).map((row) => row.storageKey),
        ...(await tx.storageOperation.findMany({ where: { storageId, OR: [{ fromKey: { in: keys } }, { toKey: { in: keys } }] }, select: { fromKey: true, toKey: true } })).flatMap(
          (operation) => [operation.fromKey, operation.toKey ?? ''],
        ),
      ]);
      const deleted: string[] = [];
      for (const target of keys) {
        if (owned.has(target) || !(await store.head(target))) continue;
        await store.delete(target);
        deleted.push(store.locationOf(target));
      }
      return deleted;
    },
    { timeout: 60_000 },
  );
}
