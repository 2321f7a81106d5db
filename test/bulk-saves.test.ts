// saveArtifacts as one run of the storage protocol: the whole batch in one commit transaction, whatever its size;
// a refused input keeps the inputs before it (or nothing, atomic); a failed promotion undoes the batch in both
// stores; concurrent batches of the same contents in opposite orders both succeed, without duplicates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageFailedError } from '../src/domain/errors';
import { counted } from './helpers/statements';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startTestTrove, type TestTrove } from './helpers/trove';

const SAVE_MANY = `mutation($inputs: [CreateArtifactInput!]!, $atomic: Boolean) { saveArtifacts(input: { artifacts: $inputs, atomic: $atomic }) {
  __typename ... on SaveArtifactsPayload { results { created artifact { uid key hash storageKey storageOngoing } } }
  ... on BulkSaveFailed { failedIndex reasonCode savedUids rolledBack } ... on Error { code message } } }`;

describe('bulk saves', () => {
  let trove: TestTrove;
  const store = () => trove.services.stores.storeFor(trove.localRoot);
  const db = () => trove.services.db;
  beforeAll(async () => {
    trove = await startTestTrove();
  });
  afterAll(async () => trove?.close());

  it('commits a batch of new contents in one transaction whatever its size (written in place), with every row and object in place', async () => {
    const batch = (size: number, tag: string) => Array.from({ length: size }, (_, index) => ({ content: `${tag} ${index}`, description: `${tag} ${index}` }));
    await trove.query(SAVE_MANY, { inputs: batch(1, 'warm-up') }); // first-request lookups (user, token check) aside
    const small = await counted(() => trove.query(SAVE_MANY, { inputs: batch(5, 'small') }));
    const large = await counted(() => trove.query(SAVE_MANY, { inputs: batch(200, 'large') }));
    console.log(`saveArtifacts: ${small.transactions} transactions for 5 artifacts, ${large.transactions} for 200; ${large.statements} statements for 200`);
    // The commit links each new object at its key (local storage): no owed work, nothing to clear after it.
    expect(small.transactions).toBe(1);
    expect(large.transactions).toBe(1);
    // New contents without keys are inserted together: the statements do not grow with the batch.
    expect(large.statements).toBe(small.statements);
    const results = large.result.saveArtifacts.results;
    expect(results).toHaveLength(200);
    expect(results.every((result: { created: boolean; artifact: { storageOngoing: boolean } }) => result.created && !result.artifact.storageOngoing)).toBe(true);
    expect(await db().artifact.count({ where: { storageOngoing: true } })).toBe(0);
    expect(await db().storageOperation.count()).toBe(0);
    const keys = new Set(await objectKeys(store()));
    expect(results.every((result: { artifact: { storageKey: string } }) => keys.has(result.artifact.storageKey))).toBe(true);
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('mixes plainly new inputs (inserted together) with keyed, repeated and stored contents, answering in input order', async () => {
    const stored = await trove.query(SAVE_MANY, { inputs: [{ content: 'mixed stored', description: 'stored before' }] });
    const storedUid = stored.saveArtifacts.results[0].artifact.uid;
    const inputs = [
      { content: 'mixed a', description: 'plain a' },
      { content: 'mixed keyed', key: 'mixed/keyed.txt' },
      { content: 'mixed twice', description: 'first of two' },
      { content: 'mixed stored', description: 'stored before' },
      { content: 'mixed b', description: 'plain b' },
      { content: 'mixed twice', description: 'first of two' },
    ];
    const results = (await trove.query(SAVE_MANY, { inputs })).saveArtifacts.results;
    expect(results.map((result: { created: boolean }) => result.created)).toEqual([true, true, true, false, true, false]);
    expect(results[3].artifact.uid).toBe(storedUid);
    expect(results[5].artifact.uid).toBe(results[2].artifact.uid);
    expect(results[1].artifact.key).toBe('mixed/keyed.txt');
    const keys = new Set(await objectKeys(store()));
    for (const [index, result] of results.entries()) {
      const row = await db().artifact.findUniqueOrThrow({ where: { uid: result.artifact.uid } });
      expect(row.storageOngoing).toBe(false);
      expect(row.size).toBe(BigInt(Buffer.byteLength(inputs[index]!.content)));
      expect(keys.has(row.storageKey)).toBe(true);
      expect(await readObject(store(), row.storageKey)).toBe(inputs[index]!.content);
    }
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('keeps the inputs before a refused one and lists them; atomic keeps nothing; in both stores', async () => {
    await trove.query(SAVE_MANY, { inputs: [{ content: 'already here', description: 'first' }] });
    const before = await db().artifact.count();
    const objectsBefore = (await objectKeys(store())).length;
    const inputs = [
      { content: 'kept 1', description: 'kept 1' },
      { content: 'kept 2', key: 'bulk/kept-2.txt' },
      { content: 'already here', description: 'refused', ifHashExists: 'ERROR' },
      { content: 'never saved', description: 'after' },
    ];
    const partial = (await trove.query(SAVE_MANY, { inputs })).saveArtifacts;
    expect(partial).toMatchObject({ __typename: 'BulkSaveFailed', failedIndex: 2, reasonCode: 'HASH_EXISTS', rolledBack: false });
    expect(partial.savedUids).toHaveLength(2);
    expect(await db().artifact.count()).toBe(before + 2);
    expect((await objectKeys(store())).length).toBe(objectsBefore + 2);

    const atomic = (await trove.query(SAVE_MANY, { inputs: [{ content: 'atomic 1', description: 'a' }, ...inputs.slice(2)], atomic: true })).saveArtifacts;
    expect(atomic).toMatchObject({ __typename: 'BulkSaveFailed', failedIndex: 1, reasonCode: 'HASH_EXISTS', rolledBack: true, savedUids: [] });
    expect(await db().artifact.count()).toBe(before + 2);
    expect((await objectKeys(store())).length).toBe(objectsBefore + 2);
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('undoes the whole batch when a promotion fails after others reached their keys, in both stores', async () => {
    // New versions of keys are promoted after the commit; the new contents beside them were written at their keys before it.
    const keys = Array.from({ length: 8 }, (_, index) => `undone/v${index}.txt`);
    await trove.query(SAVE_MANY, { inputs: keys.map((key) => ({ content: `first of ${key}`, key })) });
    const before = await db().artifact.count();
    const objectsBefore = await objectKeys(store());
    let reached = 0;
    trove.services.faults.fail('protocol.beforeMove', () => new StorageFailedError('Injected', 'the storage failed (injected)'), { when: () => ++reached === 6 });
    const inputs = [
      ...Array.from({ length: 6 }, (_, index) => ({ content: `in place ${index}`, description: `in place ${index}` })),
      ...keys.map((key) => ({ content: `second of ${key}`, key })),
    ];
    const failed = (await trove.query(SAVE_MANY, { inputs })).saveArtifacts;
    trove.services.faults.clear();
    expect(failed).toMatchObject({ __typename: 'StorageFailed', code: 'STORAGE_ERROR' });
    expect(reached).toBeGreaterThanOrEqual(6);
    expect(await db().artifact.count()).toBe(before);
    expect(await db().storageOperation.count()).toBe(0);
    expect(await objectKeys(store())).toEqual(objectsBefore);
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('two batches of the same contents in opposite orders, at once: both answer (a deadlock between them is retried), one artifact per content', async () => {
    const inputs = Array.from({ length: 30 }, (_, index) => ({ content: `shared ${index}`, description: `shared ${index}` }));
    const [forward, backward] = await Promise.all([
      trove.query(SAVE_MANY, { inputs }),
      trove.query(SAVE_MANY, { inputs: [...inputs].reverse() }),
    ]);
    const forwardUids = forward.saveArtifacts.results.map((result: { artifact: { uid: string } }) => result.artifact.uid);
    const backwardUids = backward.saveArtifacts.results.map((result: { artifact: { uid: string } }) => result.artifact.uid).reverse();
    expect(backwardUids).toEqual(forwardUids);
    expect(await db().artifact.count({ where: { description: { startsWith: 'shared ' } } })).toBe(30);
  });
});
