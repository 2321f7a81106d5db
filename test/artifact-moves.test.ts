// moveArtifact: an artifact's bytes go to another storage under the same uid and storage key, copied and checked
// against its hash, then the row switches and the old object is deleted. A failure or a crash at any step leaves the
// artifact readable from one of the two places, and recovery ends with exactly one copy where the row points. Both
// stores are checked after every step: the row, the objects, the staging areas and the owed work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { SimulatedCrash } from '../src/domain/fault-points';
import { moveArtifact } from '../src/domain/artifacts/move';
import { doctor } from '../src/domain/recovery/doctor';
import { sweep } from '../src/domain/recovery/sweep';
import type { ObjectStore } from '../src/storage/object-store';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const MOVE = `mutation($uid: String!, $storageUid: String!) { moveArtifact(input: { uid: $uid, storageUid: $storageUid }) { __typename
  ... on ArtifactPayload { warnings artifact { uid key storageKey storageOngoing path storage { uid } } }
  ... on StorageFailed { storageCode message } ... on Error { code message } } }`;

describe('moving artifacts between storages', () => {
  let trove: TestTrove & { url: string };
  let s3Uid: string;
  let localUid: string;
  let counter = 0;
  const local = () => trove.services.stores.storeFor(trove.localRoot);
  const s3 = () => trove.services.stores.storeFor(trove.s3rverRoot);
  const save = async (content: string, extra: Record<string, unknown> = {}) =>
    (await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid storageKey } } } }`, {
      input: { content, key: `moves/file-${++counter}.txt`, ...extra },
    })).createArtifact.artifact as { uid: string; storageKey: string };
  const move = async (uid: string, storageUid: string) => (await trove.query(MOVE, { uid, storageUid })).moveArtifact;
  const row = (uid: string) => trove.services.db.artifact.findUniqueOrThrow({ where: { uid }, include: { storage: true } });
  const expireLeases = () => trove.services.db.$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
  /** Everything a store holds besides its marker, staging included. */
  const everything = (store: ObjectStore) => objectKeys(store, { includeInternal: true });

  beforeAll(async () => {
    trove = await startListeningTrove();
    s3Uid = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root: trove.s3rverRoot })).registerStorage.storage.uid;
    localUid = (await trove.services.db.storage.findFirstOrThrow({ where: { isDefault: true } })).uid;
  });
  afterAll(async () => trove?.close());

  it('moves an artifact to S3 and back: one copy, where the row points, with the same bytes', async () => {
    const artifact = await save('plate reader export');
    const moved = await move(artifact.uid, s3Uid);
    expect(moved).toMatchObject({
      __typename: 'ArtifactPayload',
      artifact: { uid: artifact.uid, storageKey: artifact.storageKey, storageOngoing: false, storage: { uid: s3Uid }, path: `${trove.s3rverRoot}/${artifact.storageKey}` },
    });
    expect(moved.warnings[0]).toBe(`moved from ${trove.localRoot} to ${trove.s3rverRoot}`);
    expect(await readObject(s3(), artifact.storageKey)).toBe('plate reader export');
    expect(await everything(local())).not.toContain(artifact.storageKey);
    expect(await stagingKeys(s3())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    // Downloads follow the row.
    const client = new TroveClient(trove.url);
    const { downloadUrl } = await client.artifact({ uid: artifact.uid });
    expect(await (await fetch(downloadUrl!)).text()).toBe('plate reader export');

    // Back again, through the SDK; and a move to where it is changes nothing.
    expect((await client.moveArtifact(artifact.uid, localUid)).artifact.path).toBe(`${trove.localRoot}/${artifact.storageKey}`);
    expect(await readObject(local(), artifact.storageKey)).toBe('plate reader export');
    expect(await everything(s3())).not.toContain(artifact.storageKey);
    const same = await move(artifact.uid, localUid);
    expect(same.warnings).toEqual([expect.stringContaining('nothing moved')]);
    expect((await doctor(trove.services, { graceMs: 0, deep: true })).clean).toBe(true);
  });

  it('moves a real key to the same key in the new storage, and never overwrites a file it did not write', async () => {
    const artifact = await save('real key bytes', { key: 'moves/real-key.csv', keyIsVirtual: false });
    expect(artifact.storageKey).toBe('moves/real-key.csv');
    await s3().put('moves/real-key.csv', Buffer.from('somebody else'));
    const refused = await move(artifact.uid, s3Uid);
    expect(refused).toMatchObject({ __typename: 'FileExists', code: 'FILE_EXISTS' });
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: localUid }, storageOngoing: false });
    expect(await readObject(s3(), 'moves/real-key.csv')).toBe('somebody else');
    expect(await readObject(local(), 'moves/real-key.csv')).toBe('real key bytes');
    expect(await stagingKeys(s3())).toEqual([]);

    await s3().delete('moves/real-key.csv');
    expect(await move(artifact.uid, s3Uid)).toMatchObject({ artifact: { storageKey: 'moves/real-key.csv', storage: { uid: s3Uid } } });
    expect(await readObject(s3(), 'moves/real-key.csv')).toBe('real key bytes');
    expect(await everything(local())).not.toContain('moves/real-key.csv');
  });

  it('a failed move leaves the artifact where it was, whole, with nothing left in the target', async () => {
    const artifact = await save('stays home');
    const before = await everything(s3());
    trove.services.faults.fail('protocol.beforeMove', () => new Error('the target refused the write'));
    const failed = await move(artifact.uid, s3Uid);
    expect(failed).toMatchObject({ __typename: 'StorageFailed', code: 'STORAGE_ERROR' });
    expect(failed.message).toContain('the target refused the write');
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: localUid }, storageKey: artifact.storageKey, storageOngoing: false });
    expect(await readObject(local(), artifact.storageKey)).toBe('stays home');
    expect(await everything(s3())).toEqual(before);
    expect(await trove.services.db.storageOperation.count()).toBe(0);

    // A source object that no longer holds the artifact's content is not copied anywhere.
    await local().put(artifact.storageKey, Buffer.from('tampered!!'));
    const changed = await move(artifact.uid, s3Uid);
    expect(changed).toMatchObject({ __typename: 'StorageFailed', storageCode: 'ContentChanged' });
    expect(await everything(s3())).toEqual(before);
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: localUid } });
    // Nor a missing one.
    await local().delete(artifact.storageKey);
    expect(await move(artifact.uid, s3Uid)).toMatchObject({ __typename: 'StorageFailed' });
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: localUid } });
    expect(await move('NoSuchArtifact000000', s3Uid)).toMatchObject({ __typename: 'NotFound' });
    expect(await move(artifact.uid, 'NoSuchStorag')).toMatchObject({ __typename: 'NotFound' });
  });

  it('recovery finishes a move killed after its bytes arrived: the old copy goes', async () => {
    const artifact = await save('killed after the move');
    trove.services.faults.crash('protocol.afterMove');
    await expect(moveArtifact(trove.services, { uid: artifact.uid, storageUid: s3Uid })).rejects.toBeInstanceOf(SimulatedCrash);
    // Visibly unfinished: the row points to S3 and says so; both copies exist.
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: s3Uid }, storageOngoing: true });
    expect(await readObject(local(), artifact.storageKey)).toBe('killed after the move');
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0 });
    expect(report.finished).toEqual([artifact.uid]);
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: s3Uid }, storageOngoing: false });
    expect(await readObject(s3(), artifact.storageKey)).toBe('killed after the move');
    expect(await everything(local())).not.toContain(artifact.storageKey);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });

  it('recovery undoes a move killed before its bytes arrived, and keeps the old copy', async () => {
    const artifact = await save('killed before the move');
    trove.services.faults.crash('protocol.afterCommit');
    await expect(moveArtifact(trove.services, { uid: artifact.uid, storageUid: s3Uid })).rejects.toBeInstanceOf(SimulatedCrash);
    const promotion = await trove.services.db.storageOperation.findFirstOrThrow({ where: { kind: 'PROMOTE', artifact: { uid: artifact.uid } } });
    // The staged copy is lost with the dead process's target (say, a bucket lifecycle rule removed it).
    await s3().delete(promotion.fromKey);

    // While the promotion is undecided (its lease still live), the owed deletion of the old copy waits.
    await trove.services.db.$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second' WHERE kind = 'DELETE'`;
    const waiting = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(waiting).toMatchObject({ waiting: [expect.stringContaining('unresolved')], errors: [] });
    expect(await readObject(local(), artifact.storageKey)).toBe('killed before the move');

    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(report.undone).toEqual([artifact.uid]);
    expect(await row(artifact.uid)).toMatchObject({ storage: { uid: localUid }, storageKey: artifact.storageKey, storageOngoing: false });
    expect(await readObject(local(), artifact.storageKey)).toBe('killed before the move');
    expect(await everything(s3())).not.toContain(artifact.storageKey);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    const findings = await doctor(trove.services, { graceMs: 0 });
    expect([...findings.rowsWithoutObjects, ...findings.objectsWithoutRows, ...findings.staleOngoing].filter((finding) => finding.uid === artifact.uid)).toEqual([]);
  });

  it('works from the CLI', async () => {
    const artifact = await save('from the command line');
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'move', artifact.uid, s3Uid]);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^moved: ${artifact.uid} .*  ${trove.s3rverRoot.replace(/[/.]/g, '\\$&')}/`))]);
    expect(await readObject(s3(), artifact.storageKey)).toBe('from the command line');
  });
});
