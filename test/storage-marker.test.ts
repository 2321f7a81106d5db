// LaminDB's storage marker (.lamindb/storage_uid.txt, first line the storage uid): written for the default storage at
// start and for every registered storage, local and S3; a root LaminDB marked keeps its uid; a copy of a registered
// storage and an unreadable marker are refused with nothing registered; the doctor does not call the marker unowned.
// deleteStorage: only a storage without artifacts (trash included) and not the default; its marker goes, other files
// in its root stay.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctor } from '../src/domain/recovery/doctor';
import { STORAGE_MARKER_KEY } from '../src/storage/keys';
import { objectKeys, readObject } from './helpers/storage-state';
import { S3RVER_BUCKET, s3rverCredentials, startTestTrove, type TestTrove } from './helpers/trove';

const DELETE_STORAGE = `mutation($uid: String!) { deleteStorage(input: { uid: $uid }) {
  __typename ... on DeleteStoragePayload { uid root } ... on Error { code message } } }`;
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid } } } }`;
const DELETE_ARTIFACT = `mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename } }`;
const REGISTER = `mutation($root: String!) { registerStorage(input: { root: $root }) {
  __typename ... on RegisterStoragePayload { created storage { uid root } } ... on InvalidInput { code field message } } }`;

describe('storage markers', () => {
  let trove: TestTrove;
  let dataDir: string;
  const s3Root = `s3://${S3RVER_BUCKET}/marked-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    trove = await startTestTrove({
      s3SettingsByRoot: { [s3Root]: { credentials: s3rverCredentials }, [`${s3Root}-to-delete`]: { credentials: s3rverCredentials } },
    });
    dataDir = path.dirname(trove.localRoot);
  });
  afterAll(async () => trove?.close());
  const register = async (root: string) => (await trove.query(REGISTER, { root })).registerStorage;
  const firstLine = (text: string) => text.split('\n')[0];

  it('marks the default storage at start and every storage it registers, local and S3', async () => {
    const defaultStorage = await trove.services.db.storage.findFirstOrThrow({ where: { isDefault: true } });
    expect(firstLine(await readFile(path.join(trove.localRoot, STORAGE_MARKER_KEY), 'utf8'))).toBe(defaultStorage.uid);

    const local = await register(path.join(dataDir, 'second'));
    expect(local).toMatchObject({ __typename: 'RegisterStoragePayload', created: true });
    expect(firstLine(await readFile(path.join(dataDir, 'second', STORAGE_MARKER_KEY), 'utf8'))).toBe(local.storage.uid);

    const s3 = await register(s3Root);
    expect(s3).toMatchObject({ __typename: 'RegisterStoragePayload', created: true });
    const store = trove.services.stores.storeFor(s3Root);
    expect(await objectKeys(store, { includeMarker: true })).toEqual([STORAGE_MARKER_KEY]);
    expect(firstLine(await readObject(store, STORAGE_MARKER_KEY))).toBe(s3.storage.uid);

    // Registering again returns the record and leaves the marker as it is.
    expect(await register(s3Root)).toMatchObject({ created: false, storage: { uid: s3.storage.uid } });
    // The markers are the storages' own: no object without a row.
    expect((await doctor(trove.services, { graceMs: 0 })).objectsWithoutRows).toEqual([]);
  });

  it('keeps the uid of a root LaminDB marked (also its legacy marker), and leaves the marker unchanged', async () => {
    const laminRoot = path.join(dataDir, 'from-lamindb');
    const laminMarker = 'Ab12Cd34Ef56\ncreation info:\ninstance_slug=lab/project\ninstance_id=00000000000000000000000000000001';
    await mkdir(path.join(laminRoot, '.lamindb'), { recursive: true });
    await writeFile(path.join(laminRoot, STORAGE_MARKER_KEY), laminMarker);
    expect(await register(laminRoot)).toMatchObject({ created: true, storage: { uid: 'Ab12Cd34Ef56' } });
    expect(await readFile(path.join(laminRoot, STORAGE_MARKER_KEY), 'utf8')).toBe(laminMarker);

    const legacyRoot = path.join(dataDir, 'from-old-lamindb');
    await mkdir(path.join(legacyRoot, '.lamindb'), { recursive: true });
    await writeFile(path.join(legacyRoot, '.lamindb/_is_initialized'), 'Zz98Yy76Xx54\n');
    expect(await register(legacyRoot)).toMatchObject({ created: true, storage: { uid: 'Zz98Yy76Xx54' } });
  });

  it('refuses a copy of a registered storage and an unreadable marker, registering nothing', async () => {
    const before = await trove.services.db.storage.count();
    const copy = path.join(dataDir, 'copy-of-default');
    const defaultStorage = await trove.services.db.storage.findFirstOrThrow({ where: { isDefault: true } });
    await mkdir(path.join(copy, '.lamindb'), { recursive: true });
    await writeFile(path.join(copy, STORAGE_MARKER_KEY), `${defaultStorage.uid}\n`);
    const refused = await register(copy);
    expect(refused).toMatchObject({ __typename: 'InvalidInput', field: 'input.root' });
    expect(refused.message).toContain(`registered at ${trove.localRoot}`);

    const garbled = path.join(dataDir, 'garbled');
    await mkdir(path.join(garbled, '.lamindb'), { recursive: true });
    await writeFile(path.join(garbled, STORAGE_MARKER_KEY), 'not a uid\n');
    const unreadable = await register(garbled);
    expect(unreadable).toMatchObject({ __typename: 'InvalidInput', field: 'input.root' });
    expect(unreadable.message).toContain('does not start with a storage uid');
    expect(await readFile(path.join(garbled, STORAGE_MARKER_KEY), 'utf8')).toBe('not a uid\n');
    expect(await trove.services.db.storage.count()).toBe(before);
  });

  it('deletes a storage only once it holds no artifact, never the default; the marker goes, other files stay (local and S3)', async () => {
    for (const root of [path.join(dataDir, 'to-delete'), `${s3Root}-to-delete`]) {
      const registered = (await register(root)).storage;
      const store = trove.services.stores.storeFor(root);
      const saved = await trove.query(CREATE, { input: { content: 'kept for a while', key: 'notes.txt', storageUid: registered.uid } });
      expect(saved.createArtifact.__typename).toBe('ArtifactPayload');
      const refused = (await trove.query(DELETE_STORAGE, { uid: registered.uid })).deleteStorage;
      expect(refused).toMatchObject({ __typename: 'StorageInUse', code: 'STORAGE_NOT_EMPTY' });
      expect(refused.message).toContain('1 artifact(s), trash included');
      expect(await trove.services.db.storage.count({ where: { uid: registered.uid } })).toBe(1);

      expect((await trove.query(DELETE_ARTIFACT, { uid: saved.createArtifact.artifact.uid })).deleteArtifact.__typename).toBe('DeleteArtifactPayload');
      await store.put('lab/own-file.txt', Buffer.from('not an artifact'));
      expect(await trove.query(DELETE_STORAGE, { uid: registered.uid })).toEqual({ deleteStorage: { __typename: 'DeleteStoragePayload', uid: registered.uid, root } });
      expect(await trove.services.db.storage.count({ where: { uid: registered.uid } })).toBe(0);
      // The marker is gone; the lab's own file is not.
      expect(await objectKeys(store, { includeMarker: true })).toEqual(['lab/own-file.txt']);
    }
    const defaultStorage = await trove.services.db.storage.findFirstOrThrow({ where: { isDefault: true } });
    expect((await trove.query(DELETE_STORAGE, { uid: defaultStorage.uid })).deleteStorage).toMatchObject({ __typename: 'StorageInUse', code: 'STORAGE_IS_DEFAULT' });
    expect((await trove.query(DELETE_STORAGE, { uid: 'nOsUchStorag' })).deleteStorage).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
  });
});
