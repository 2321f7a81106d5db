// A new artifact is published with its commit, on local storage and on S3: the bytes are written straight to
// `.lamindb/{uid}{suffix}` (the uid reserved) under a write intent in the staging area, and the commit writes rows only
// (one transaction, no owed work); the intent goes after it. A save killed on either side of COMMIT is settled by
// recovery from the intent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../src/domain/artifacts/save';
import { StorageFailedError } from '../src/domain/errors';
import { SimulatedCrash } from '../src/domain/fault-points';
import { sweep } from '../src/domain/recovery/sweep';
import { counted } from './helpers/statements';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { expectStoresAgree } from './helpers/stores-agree';
import { startTestTrove, type TestTrove } from './helpers/trove';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created artifact { uid storageKey storageOngoing } } ... on Error { code message } } }`;

describe.each(['local', 's3rver'] as const)('in-place publish on %s storage', (backend) => {
  let trove: TestTrove;
  const store = () => trove.services.stores.storeFor(backend === 'local' ? trove.localRoot : trove.s3rverRoot);
  const db = () => trove.services.db;
  const sweepNow = () => sweep(trove.services, { graceMs: 0 });
  beforeAll(async () => {
    trove = await startTestTrove({ defaultStorage: backend });
  });
  afterAll(async () => trove?.close());

  const bothStoresAgree = () => expectStoresAgree(trove.services, store());

  it('saves a new artifact in one transaction of at most 6 statements, with no owed work and no staged copy', async () => {
    await trove.query(CREATE, { input: { content: 'warm-up', description: 'warm-up' } });
    const { result, transactions, statements } = await counted(() => trove.query(CREATE, { input: { content: 'linked bytes', key: 'linked/a.txt' } }));
    const artifact = result.createArtifact.artifact;
    expect(transactions).toBe(1);
    expect(statements).toBeLessThanOrEqual(6);
    expect(artifact).toMatchObject({ storageKey: `.lamindb/${artifact.uid}.txt`, storageOngoing: false });
    expect(await readObject(store(), artifact.storageKey)).toBe('linked bytes');
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

  it('a failure before COMMIT rolls back and deletes the bytes at their key, and the intent with them', async () => {
    trove.services.faults.fail('publish.beforeCommit', () => new StorageFailedError('Injected', 'the storage failed (injected)'));
    const before = await objectKeys(store());
    const failed = (await trove.query(CREATE, { input: { content: 'never saved', description: 'failed commit' } })).createArtifact;
    trove.services.faults.clear();
    expect(failed).toMatchObject({ __typename: 'StorageFailed' });
    expect(await db().artifact.count({ where: { description: 'failed commit' } })).toBe(0);
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a COMMIT that fails itself: the error says the outcome is unknown, and recovery settles the bytes by the row', async () => {
    // A deferred trigger fails the COMMIT statement itself, as a connection lost during COMMIT would leave it.
    await db().$executeRawUnsafe(`CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$`);
    await db().$executeRawUnsafe(`CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON "Artifact" DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.description = 'fails at commit') EXECUTE FUNCTION fail_at_commit()`);
    const before = await objectKeys(store());
    try {
      const failure = await saveArtifact(trove.services, { source: { kind: 'content', content: 'commit refused' }, description: 'fails at commit' }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'DATABASE_ERROR' });
      expect((failure as Error).message).toContain('may or may not be recorded');
      // The failed COMMIT's connection went back to the pool (@prisma/adapter-pg alone keeps it checked out).
      const pool = await trove.services.metrics.registry.getSingleMetric('trove_db_pool_connections')!.get();
      const count = (state: string) => pool.values.find((value) => value.labels.state === state)!.value;
      expect(count('idle')).toBe(count('total'));
    } finally {
      await db().$executeRawUnsafe('DROP TRIGGER fail_at_commit ON "Artifact"');
      await db().$executeRawUnsafe('DROP FUNCTION fail_at_commit()');
    }
    expect(await db().artifact.count({ where: { description: 'fails at commit' } })).toBe(0);
    // Not deleted by the request, which cannot know: the bytes and their intent wait for recovery.
    const [written] = (await objectKeys(store())).filter((key) => !before.includes(key));
    expect(await readObject(store(), written!)).toBe('commit refused');
    const [intent] = await stagingKeys(store());
    expect(intent).toMatch(/^\.trove\/staging\/in-place\./);
    const report = await sweepNow();
    expect(report.objectsDeleted).toEqual(expect.arrayContaining([store().locationOf(written!), store().locationOf(intent!)]));
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a process killed before COMMIT: no row, and recovery deletes the bytes its intent lists, then the intent', async () => {
    trove.services.faults.crash('publish.beforeCommit', { times: 1 });
    const before = await objectKeys(store());
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'killed before commit' }, description: 'killed' })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await db().artifact.count({ where: { description: 'killed' } })).toBe(0);
    const [intent] = await stagingKeys(store());
    expect(intent).toMatch(/^\.trove\/staging\/in-place\./);
    const [written] = (await objectKeys(store())).filter((key) => !before.includes(key));
    expect(await readObject(store(), intent!)).toBe(`${written!.slice('.lamindb/'.length, '.lamindb/'.length + 20)} ${written}\n`);
    const report = await sweepNow();
    expect(report.objectsDeleted).toEqual(expect.arrayContaining([store().locationOf(written!), store().locationOf(intent!)]));
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a process killed after COMMIT: the artifact is complete, and recovery removes only the intent', async () => {
    trove.services.faults.crash('publish.beforeSettle', { times: 1 });
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'killed after commit' }, description: 'committed' })).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await db().artifact.findFirstOrThrow({ where: { description: 'committed' } });
    expect(row.storageOngoing).toBe(false);
    expect(await stagingKeys(store())).toHaveLength(1);
    await sweepNow();
    expect(await readObject(store(), row.storageKey)).toBe('killed after commit');
    await bothStoresAgree();
  });

  it('recovery waits for a commit in flight (the uid lock) and then keeps what it committed', async () => {
    const paused = trove.services.faults.pause('publish.beforeCommit');
    const saving = trove.query(CREATE, { input: { content: 'slow commit', description: 'in flight' } });
    await paused.reached;
    // The intent is nobody's and older than a zero grace: recovery reads it while the commit holds the uid's lock.
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

  it('a save that finds its content stored deletes the bytes it wrote at their key', async () => {
    const first = (await trove.query(CREATE, { input: { content: 'stored twice', description: 'one' } })).createArtifact.artifact;
    const before = await objectKeys(store());
    const again = (await trove.query(CREATE, { input: { content: 'stored twice', description: 'one' } })).createArtifact;
    expect(again).toMatchObject({ created: false, artifact: { uid: first.uid } });
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('bulk saves write their new contents at their keys under one intent and delete them when the commit fails', async () => {
    const SAVE_MANY = `mutation($inputs: [CreateArtifactInput!]!) { saveArtifacts(input: { artifacts: $inputs, atomic: true }) {
      __typename ... on SaveArtifactsPayload { results { artifact { uid storageKey storageOngoing } } } ... on Error { code } } }`;
    const saved = (await trove.query(SAVE_MANY, { inputs: Array.from({ length: 20 }, (_, index) => ({ content: `bulk linked ${index}`, description: 'bulk linked' })) })).saveArtifacts;
    expect(saved.results.every((result: { artifact: { storageOngoing: boolean } }) => !result.artifact.storageOngoing)).toBe(true);
    for (const result of saved.results) expect(await readObject(store(), result.artifact.storageKey)).toMatch(/^bulk linked /);
    // An input its commit refuses (stored content with ifHashExists: ERROR) after a new one: atomic, so nothing
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
