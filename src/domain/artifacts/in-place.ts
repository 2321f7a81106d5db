// Local storage: a new artifact's bytes published inside its commit transaction, with no owed work and no second
// transaction. The bytes are staged under a name that says their key, `.trove/staging/in-place.{uid}{suffix}` (the
// uid reserved before staging); the commit, holding the uid's lock, hard-links them at `.lamindb/{uid}{suffix}` and
// writes the row as complete; after COMMIT the staged name is removed. Until then that name records the intent:
// recovery (settleInPlace) takes the uid's lock, so it waits for a commit in flight, then keeps the key if a row owns
// it and deletes it otherwise. A version (its uid is the next version's), a real key or an upload is promoted by the
// storage protocol as before.
import { inPlaceStagingKey, inPlaceTargetOf } from '../../storage/keys';
import type { ObjectStore } from '../../storage/object-store';
import { artifactLock, lock } from '../locks';
import { checkStaged } from './protocol';
import type { ArtifactServices } from './services';
import type { StagedContent } from './staging';
import { firstVersionUid } from './versions';

/** Where bytes staged for a new artifact wait, when the store can publish them in place (a uid reserved for it). */
export function reserveInPlace(store: ObjectStore, suffix: string): { reservedUid: string; key: string } | undefined {
  if (!store.link) return undefined;
  const reservedUid = firstVersionUid();
  return { reservedUid, key: inPlaceStagingKey(reservedUid, suffix) };
}

/** The lock a commit that may link `staged` holds (its reserved uid), which recovery takes before deciding. */
export function inPlaceLocks(staged: StagedContent): string[] {
  const target = staged.stagingKey ? inPlaceTargetOf(staged.stagingKey) : undefined;
  return target ? [artifactLock(target.uid)] : [];
}

/** Whether the commit of a new artifact at `storageKey` publishes `staged` by linking it there. */
export function linksInPlace(staged: StagedContent, storageKey: string): boolean {
  return staged.stagingKey !== null && staged.store.link !== undefined && inPlaceTargetOf(staged.stagingKey)?.key === storageKey;
}

/** Inside the commit: the staged bytes, still those hashed, get their artifact's key as a second name. */
export async function linkInPlace(services: ArtifactServices, staged: StagedContent, storageKey: string): Promise<void> {
  await checkStaged(staged.store, staged.stagingKey!, staged.fingerprint!);
  await staged.store.link!(staged.stagingKey!, storageKey);
  staged.linkedTo = storageKey;
  await services.faults.reach('publish.afterLink', { key: storageKey });
}

/**
 * At the start of a commit attempt: links that an earlier attempt made before it rolled back (a deadlock retried, a
 * batch committed again without the input it refused) are nobody's, whatever this attempt decides.
 */
export async function unlinkStale(staged: (StagedContent | undefined)[]): Promise<void> {
  for (const content of staged) {
    if (!content?.linkedTo) continue;
    await content.store.delete(content.linkedTo);
    content.linkedTo = undefined;
  }
}

/** After COMMIT: the staged name goes (should that fail, recovery removes it, finding the key owned). */
export async function finishInPlace(services: ArtifactServices, staged: StagedContent): Promise<void> {
  await services.faults.reach('publish.afterCommit', { key: staged.linkedTo });
  await staged.store.delete(staged.stagingKey!).catch(() => undefined);
}

/**
 * A commit that linked `staged` failed. Rolled back: the link and the staged bytes go. Failed at COMMIT itself (the
 * row may exist): both stay, and recovery decides by the row.
 */
export async function discardInPlace(staged: StagedContent, rolledBack: boolean): Promise<void> {
  if (!rolledBack) return;
  await staged.store.delete(staged.linkedTo!).catch(() => undefined);
  await staged.store.delete(staged.stagingKey!).catch(() => undefined);
}

/**
 * Recovery of an in-place staged object nobody finished: under the uid's lock (a commit in flight ends first), the
 * key is kept when a row owns it and deleted otherwise. Returns the location deleted, if any.
 */
export async function settleInPlace(services: ArtifactServices, storageId: number, store: ObjectStore, stagedKey: string): Promise<string | undefined> {
  const target = inPlaceTargetOf(stagedKey);
  if (!target) return undefined;
  return services.db.$transaction(async (tx) => {
    await lock(tx, artifactLock(target.uid));
    const owner = await tx.artifact.findFirst({ where: { storageId, storageKey: target.key }, select: { id: true } });
    if (owner || !(await store.head(target.key))) return undefined;
    await store.delete(target.key);
    return store.locationOf(target.key);
  });
}
