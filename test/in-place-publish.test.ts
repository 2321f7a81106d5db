// Local storage publishes a new artifact inside its commit: the bytes, staged under a name that says their key, are
// hard-linked at `.lamindb/{uid}{suffix}` in the commit transaction (one transaction, no owed work); the staged name
// goes after COMMIT. A commit killed on either side of COMMIT is settled by recovery from that name and the row.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../src/domain/artifacts/save';
import { StorageFailedError } from '../src/domain/errors';
import { SimulatedCrash } from '../src/domain/fault-points';
import { doctor } from '../src/domain/recovery/doctor';
import { sweep } from '../src/domain/recovery/sweep';
import { counted } from './helpers/statements';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startTestTrove, type TestTrove } from './helpers/trove';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created artifact { uid storageKey storageOngoing } } ... on Error { code message } } }`;

describe('in-place publish on local storage', () => {
  let trove: TestTrove;
  const store = () => trove.services.stores.storeFor(trove.localRoot);
  const db = () => trove.services.db;
  const sweepNow = () => sweep(trove.services, { graceMs: 0 });
  beforeAll(async () => {
    trove = await startTestTrove();
  });
  afterAll(async () => trove?.close());

  async function bothStoresAgree(): Promise<void> {
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    expect(await stagingKeys(store())).toEqual([]);
    expect(await db().storageOperation.count()).toBe(0);
  }

  it('saves a new artifact in one transaction of at most 6 statements, with no owed work and one name for its bytes', async () => {
    await trove.query(CREATE, { input: { content: 'warm-up', description: 'warm-up' } });
    const { result, transactions, statements } = await counted(() => trove.query(CREATE, { input: { content: 'linked bytes', key: 'linked/a.txt' } }));
    const artifact = result.createArtifact.artifact;
    expect(transactions).toBe(1);
    expect(statements).toBeLessThanOrEqual(6);
    expect(artifact).toMatchObject({ storageKey: `.lamindb/${artifact.uid}.txt`, storageOngoing: false });
    expect(await readObject(store(), artifact.storageKey)).toBe('linked bytes');
    // The staged name is gone: the object has its key as its only name.
    expect((await stat(path.join(trove.localRoot, artifact.storageKey))).nlink).toBe(1);
    await bothStoresAgree();
  });

  it('a new version is promoted after its commit as before (its uid is not the one reserved)', async () => {
    await trove.query(CREATE, { input: { content: 'version one', key: 'linked/v.txt' } });
    const { result, transactions } = await counted(() => trove.query(CREATE, { input: { content: 'version two', key: 'linked/v.txt' } }));
    expect(result.createArtifact.artifact.uid).toMatch(/0001$/);
    expect(transactions).toBe(2);
    expect(await readObject(store(), result.createArtifact.artifact.storageKey)).toBe('version two');
    await bothStoresAgree();
  });

  it('a failure after the link rolls the commit back and removes both names at once', async () => {
    trove.services.faults.fail('publish.afterLink', () => new StorageFailedError('Injected', 'the storage failed (injected)'));
    const before = await objectKeys(store());
    const failed = (await trove.query(CREATE, { input: { content: 'never saved', description: 'failed link' } })).createArtifact;
    trove.services.faults.clear();
    expect(failed).toMatchObject({ __typename: 'StorageFailed' });
    expect(await db().artifact.count({ where: { description: 'failed link' } })).toBe(0);
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a process killed after the link, before COMMIT: no row, and recovery deletes the linked key with the staged name', async () => {
    trove.services.faults.crash('publish.afterLink', { times: 1 });
    const before = await objectKeys(store());
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'killed before commit' }, description: 'killed' })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await db().artifact.count({ where: { description: 'killed' } })).toBe(0);
    const [staged] = await stagingKeys(store());
    const linked = `.lamindb/${staged!.slice('.trove/staging/in-place.'.length)}`;
    expect(await objectKeys(store())).toEqual([...before, linked].sort());
    const report = await sweepNow();
    expect(report.objectsDeleted).toEqual(expect.arrayContaining([store().locationOf(linked), store().locationOf(staged!)]));
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a process killed after COMMIT: the artifact is complete, and recovery removes only the staged name', async () => {
    trove.services.faults.crash('publish.afterCommit', { times: 1 });
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'killed after commit' }, description: 'committed' })).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await db().artifact.findFirstOrThrow({ where: { description: 'committed' } });
    expect(row.storageOngoing).toBe(false);
    expect(await stagingKeys(store())).toHaveLength(1);
    await sweepNow();
    expect(await readObject(store(), row.storageKey)).toBe('killed after commit');
    expect((await stat(path.join(trove.localRoot, row.storageKey))).nlink).toBe(1);
    await bothStoresAgree();
  });

  it('recovery waits for a commit in flight (the uid lock) and then keeps what it committed', async () => {
    const paused = trove.services.faults.pause('publish.afterLink');
    const saving = trove.query(CREATE, { input: { content: 'slow commit', description: 'in flight' } });
    await paused.reached;
    // The staged name is nobody's yet and older than a zero grace: recovery looks at it while the commit holds the lock.
    let swept = false;
    const sweeping = sweepNow().then((report) => ((swept = true), report));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(swept).toBe(false);
    paused.release();
    const saved = (await saving).createArtifact.artifact;
    await sweeping;
    expect(await readObject(store(), saved.storageKey)).toBe('slow commit');
    await bothStoresAgree();
  });

  it('bulk saves link their new contents in the commit and undo them with it', async () => {
    const SAVE_MANY = `mutation($inputs: [CreateArtifactInput!]!) { saveArtifacts(input: { artifacts: $inputs, atomic: true }) {
      __typename ... on SaveArtifactsPayload { results { artifact { uid storageKey storageOngoing } } } ... on Error { code } } }`;
    const saved = (await trove.query(SAVE_MANY, { inputs: Array.from({ length: 20 }, (_, index) => ({ content: `bulk linked ${index}`, description: 'bulk linked' })) })).saveArtifacts;
    expect(saved.results.every((result: { artifact: { storageOngoing: boolean } }) => !result.artifact.storageOngoing)).toBe(true);
    for (const result of saved.results) expect((await stat(path.join(trove.localRoot, result.artifact.storageKey))).nlink).toBe(1);
    // An input its commit refuses (stored content with ifHashExists: ERROR) after a linked one: atomic, so nothing
    // stays, in either store.
    const before = await objectKeys(store());
    const refused = (
      await trove.query(SAVE_MANY, { inputs: [{ content: 'bulk kept? no', description: 'x' }, { content: 'bulk linked 3', description: 'again', ifHashExists: 'ERROR' }] })
    ).saveArtifacts;
    expect(refused.__typename).toBe('BulkSaveFailed');
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });
});
