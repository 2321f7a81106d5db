// Seed 002 (add, replace, cache and delete artifacts) replayed step by step through GraphQL, on local storage and
// on S3 (s3rver), asserting after every step which objects exist at which keys and what the rows say.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../src/storage/object-store';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { graphqlWithFiles, startTestTrove, type TestTrove } from './helpers/trove';

const IRIS_CSV = 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n4.7,3.2,1.3,0.2,setosa\n4.6,3.1,1.5,0.2,setosa\n';
const IRIS_DATA = '5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n4.7,3.2,1.3,0.2,Iris-setosa\n4.6,3.1,1.5,0.2,Iris-setosa\n';
const NEW_IRIS_CSV = `${IRIS_CSV}5.0,3.6,1.4,0.2,setosa\n`;
const md5 = (text: string) => createHash('md5').update(text).digest('base64url');

const ARTIFACT = 'uid key suffix size hash hashType keyIsVirtual storageKey storageOngoing path';
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created warnings artifact { ${ARTIFACT} } } ... on Error { code message } } }`;
const REPLACE = `mutation($input: ReplaceArtifactInput!) { replaceArtifact(input: $input) {
  __typename ... on ArtifactPayload { created warnings artifact { ${ARTIFACT} } } ... on Error { code message } } }`;
const DELETE = `mutation($input: DeleteArtifactInput!) { deleteArtifact(input: $input) {
  __typename ... on DeleteArtifactPayload { uid objectDeleted warnings } ... on Error { code message } } }`;

describe.each(['local', 's3rver'] as const)('seed 002 on %s storage', (backend) => {
  let trove: TestTrove;
  let store: ObjectStore;
  let root: string;
  beforeAll(async () => {
    trove = await startTestTrove({ defaultStorage: backend });
    root = backend === 'local' ? trove.localRoot : trove.s3rverRoot;
    store = trove.services.stores.storeFor(root);
  });
  afterAll(async () => trove?.close());

  async function createWithFile(name: string, content: string, input: Record<string, unknown>) {
    const result = await graphqlWithFiles(trove, CREATE, { input: { ...input, file: null } }, { 'input.file': { name, content } });
    expect(result.errors).toBeUndefined();
    return result.data.createArtifact;
  }
  async function replaceWithFile(uid: string, name: string, content: string) {
    const result = await graphqlWithFiles(trove, REPLACE, { input: { uid, file: null } }, { 'input.file': { name, content } });
    expect(result.errors).toBeUndefined();
    return result.data.replaceArtifact;
  }
  async function download(uid: string): Promise<string> {
    const { artifact } = await trove.query(`query($uid: String) { artifact(uid: $uid) { downloadUrl(expiresIn: 60) } }`, { uid });
    if (backend === 's3rver') return (await fetch(artifact.downloadUrl)).text();
    const url = new URL(artifact.downloadUrl);
    expect(url.pathname).toMatch(/^\/download\//);
    // Local storage: the gateway's signed route (exercised over real HTTP in the upload tests); read the object here.
    const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid } });
    return readObject(store, row.storageKey);
  }
  const row = (uid: string) => trove.services.db.artifact.findUnique({ where: { uid } });

  it('saves with an auto-managed key, replaces with a new suffix and deletes', async () => {
    const saved = await createWithFile('iris.csv', IRIS_CSV, { description: 'iris.csv' });
    expect(saved).toMatchObject({ __typename: 'ArtifactPayload', created: true });
    const artifact = saved.artifact;
    expect(artifact).toMatchObject({ key: null, suffix: '.csv', size: IRIS_CSV.length, hash: md5(IRIS_CSV), hashType: 'md5', keyIsVirtual: true, storageOngoing: false });
    expect(artifact.uid).toMatch(/^[0-9A-Za-z]{16}0000$/);
    expect(artifact.storageKey).toBe(`.lamindb/${artifact.uid}.csv`);
    expect(artifact.path).toBe(`${root}/.lamindb/${artifact.uid}.csv`);
    expect(await objectKeys(store)).toEqual([`.lamindb/${artifact.uid}.csv`]);
    expect(await download(artifact.uid)).toBe(IRIS_CSV);

    const replaced = await replaceWithFile(artifact.uid, 'iris.data', IRIS_DATA);
    expect(replaced.artifact).toMatchObject({ uid: artifact.uid, suffix: '.data', size: IRIS_DATA.length, hash: md5(IRIS_DATA), storageKey: `.lamindb/${artifact.uid}.data` });
    // The suffix changed: the old object is gone, the new one exists.
    expect(await objectKeys(store)).toEqual([`.lamindb/${artifact.uid}.data`]);
    expect(await download(artifact.uid)).toBe(IRIS_DATA);

    const deleted = await trove.query(DELETE, { input: { uid: artifact.uid, permanent: true } });
    expect(deleted.deleteArtifact).toMatchObject({ objectDeleted: true });
    expect(await row(artifact.uid)).toBeNull();
    expect(await objectKeys(store)).toEqual([]);
  });

  it('saves with a real key; same-suffix replace overwrites in place, a new suffix moves the key', async () => {
    const saved = await createWithFile('iris.csv', IRIS_CSV, { key: 'iris.csv', keyIsVirtual: false });
    const uid = saved.artifact.uid;
    expect(saved.artifact).toMatchObject({ key: 'iris.csv', keyIsVirtual: false, storageKey: 'iris.csv' });
    expect(await objectKeys(store)).toEqual(['iris.csv']);

    const sameSuffix = await replaceWithFile(uid, 'new_iris.csv', NEW_IRIS_CSV);
    expect(sameSuffix.artifact).toMatchObject({ uid, key: 'iris.csv', size: NEW_IRIS_CSV.length, hash: md5(NEW_IRIS_CSV) });
    expect(await objectKeys(store)).toEqual(['iris.csv']); // no new_iris.csv
    expect(await readObject(store, 'iris.csv')).toBe(NEW_IRIS_CSV);

    const newSuffix = await replaceWithFile(uid, 'iris.data', IRIS_DATA);
    expect(newSuffix.artifact).toMatchObject({ uid, key: 'iris.data', suffix: '.data', storageKey: 'iris.data' });
    expect(newSuffix.warnings.join()).toContain("replaced key 'iris.csv' with 'iris.data'");
    expect(await objectKeys(store)).toEqual(['iris.data']);

    await trove.query(DELETE, { input: { uid, permanent: true, deleteStorage: true } });
    expect(await row(uid)).toBeNull();
    expect(await objectKeys(store)).toEqual([]);
  });

  let pathInStorage: string;
  it('saves from memory (inline content), replaces it, and a permanent delete without deleteStorage leaves the file', async () => {
    const table = 'a,b\n1,2\n3,4\n';
    const saved = await trove.query(CREATE, { input: { content: table, description: 'iris_store', key: 'iris.parquet', keyIsVirtual: false } });
    const uid = saved.createArtifact.artifact.uid;
    expect(saved.createArtifact.artifact).toMatchObject({ key: 'iris.parquet', suffix: '.parquet', storageKey: 'iris.parquet', hash: md5(table) });
    expect(await objectKeys(store)).toEqual(['iris.parquet']);

    const shorter = 'a,b\n1,2\n';
    const replaced = await trove.query(REPLACE, { input: { uid, content: shorter } });
    expect(replaced.replaceArtifact.artifact).toMatchObject({ uid, key: 'iris.parquet', size: shorter.length });
    expect(await readObject(store, 'iris.parquet')).toBe(shorter);

    const toCsv = await replaceWithFile(uid, 'new_iris.csv', NEW_IRIS_CSV);
    expect(toCsv.artifact).toMatchObject({ uid, key: 'iris.csv', suffix: '.csv', storageKey: 'iris.csv' });
    expect(await objectKeys(store)).toEqual(['iris.csv']);
    pathInStorage = toCsv.artifact.path;

    const deleted = await trove.query(DELETE, { input: { uid, permanent: true, deleteStorage: false } });
    expect(deleted.deleteArtifact.objectDeleted).toBe(false);
    expect(deleted.deleteArtifact.warnings.join()).toContain(`a file remains at ${root}/iris.csv`);
    expect(await row(uid)).toBeNull();
    expect(await objectKeys(store)).toEqual(['iris.csv']);
  });

  it('saves with a virtual key; refuses a path in storage; same content returns the artifact; a new suffix changes key and path', async () => {
    const saved = await createWithFile('iris.csv', IRIS_CSV, { key: 'iris.csv', keyIsVirtual: true });
    const uid = saved.artifact.uid;
    expect(saved.artifact).toMatchObject({ key: 'iris.csv', keyIsVirtual: true, storageKey: `.lamindb/${uid}.csv` });

    const refused = await trove.query(REPLACE, { input: { uid, path: pathInStorage } });
    expect(refused.replaceArtifact).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT' });

    const same = await replaceWithFile(uid, 'iris.csv', IRIS_CSV);
    expect(same).toMatchObject({ created: false, artifact: { uid, hash: md5(IRIS_CSV) } });
    expect(same.warnings.join()).toContain('returning existing artifact with same hash');

    const replaced = await replaceWithFile(uid, 'iris.data', IRIS_DATA);
    expect(replaced.artifact).toMatchObject({ uid, key: 'iris.data', suffix: '.data', storageKey: `.lamindb/${uid}.data` });
    expect(await objectKeys(store)).toEqual([`.lamindb/${uid}.data`, 'iris.csv']);

    await trove.query(DELETE, { input: { uid, permanent: true, deleteStorage: true } });
    expect(await objectKeys(store)).toEqual(['iris.csv']);
    await store.delete('iris.csv'); // the seed's path_in_storage.unlink()
    expect(await trove.services.db.artifact.count()).toBe(0);
    expect(await stagingKeys(store)).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });
});
