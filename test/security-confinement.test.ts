// Every byte Trove reads or writes stays inside a registered storage root: storages are registered only inside the
// allowed roots and never over Trove's data folder; symbolic links inside a storage (to the signing secret, to
// /etc) are never followed, whether by registration, download, replace, delete, uploads or the doctor.
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctor } from '../src/domain/recovery/doctor';
import { objectKeys } from './helpers/storage-state';
import { rawRequest } from './helpers/raw-http';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const REGISTER = `mutation($root: String!) { registerStorage(input: { root: $root }) {
  __typename ... on RegisterStoragePayload { created storage { uid root } } ... on InvalidInput { code field message } } }`;
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { artifact { uid key storageKey downloadUrl } } ... on Error { code message } ... on StorageFailed { storageCode } } }`;

describe('storage confinement', () => {
  let trove: TestTrove & { url: string };
  let dataDir: string;
  let outside: string;
  let secretFile: string;
  beforeAll(async () => {
    trove = await startListeningTrove();
    dataDir = path.dirname(trove.localRoot);
    secretFile = path.join(dataDir, 'secret');
    // A folder beside the data folder, outside every storage, with a file someone must not reach.
    outside = `${dataDir}-outside`;
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'private.txt'), 'not for Trove');
    await mkdir(trove.localRoot, { recursive: true });
  });
  afterAll(async () => {
    await trove?.close();
    await rm(outside, { recursive: true, force: true });
  });
  const rows = () => trove.services.db.artifact.count();

  it('registers local storages only inside the allowed roots, never over the data folder or through a link', async () => {
    const refuse = async (root: string, reason: string) => {
      const result = (await trove.query(REGISTER, { root })).registerStorage;
      expect(result, root).toMatchObject({ __typename: 'InvalidInput', field: 'input.root' });
      expect(result.message, root).toContain(reason);
    };
    await refuse('/etc', 'not inside an allowed root');
    await refuse(outside, 'TROVE_ALLOWED_ROOTS');
    await refuse(dataDir, "contains Trove's data folder");
    await refuse(path.dirname(dataDir), "contains Trove's data folder");
    await refuse(path.join(dataDir, 'postgres', 'base'), "inside Trove's database folder");
    await refuse('s3://another-bucket/data', 'not inside an allowed root');
    await symlink(outside, path.join(dataDir, 'linked-root'));
    await refuse(path.join(dataDir, 'linked-root'), 'symbolic link');
    await refuse(path.join(dataDir, 'linked-root', 'below'), 'symbolic link');
    expect(await trove.services.db.storage.count()).toBe(1);

    const allowed = (await trove.query(REGISTER, { root: path.join(dataDir, 'extra') })).registerStorage;
    expect(allowed).toMatchObject({ __typename: 'RegisterStoragePayload', created: true });
    expect((await trove.query(REGISTER, { root: 's3://trove-test/confined' })).registerStorage.__typename).toBe('RegisterStoragePayload');
  });

  it('refuses to register a link inside a storage, to the signing secret or to a folder elsewhere', async () => {
    await symlink(secretFile, path.join(trove.localRoot, 'secret-link'));
    await symlink('/etc', path.join(trove.localRoot, 'etc-link'));
    await symlink(outside, path.join(trove.localRoot, 'outside-link'));
    for (const target of ['secret-link', 'etc-link/hostname', 'outside-link/private.txt']) {
      const result = (await trove.query(CREATE, { input: { path: path.join(trove.localRoot, target), description: 'link' } })).createArtifact;
      expect(result, target).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('symbolic link') });
    }
    expect(await rows()).toBe(0);
  });

  it('serves no download through a link that replaced an object, and replace or delete never touch what it points to', async () => {
    const saved = (await trove.query(CREATE, { input: { content: 'public bytes', key: 'shared/report.txt', keyIsVirtual: false } })).createArtifact;
    const object = path.join(trove.localRoot, saved.artifact.storageKey);
    // Someone with a shell on the server swaps the object for a link to the signing secret.
    await rm(object);
    await symlink(secretFile, object);
    const url = new URL(saved.artifact.downloadUrl);
    const download = await rawRequest(trove.url, { path: url.pathname + url.search });
    expect(download.status).toBe(403);
    expect(download.json()).toMatchObject({ code: 'PATH_REFUSED' });
    expect(download.body).not.toContain((await readFile(secretFile)).toString('latin1').slice(0, 8));

    // The folder of the key becomes a link to a folder elsewhere: replace writes nothing there.
    await rm(path.join(trove.localRoot, 'shared'), { recursive: true });
    await symlink(outside, path.join(trove.localRoot, 'shared'));
    const replaced = (
      await trove.query(`mutation($uid: String!) { replaceArtifact(input: { uid: $uid, content: "new bytes" }) { __typename ... on StorageFailed { storageCode } } }`, { uid: saved.artifact.uid })
    ).replaceArtifact;
    expect(replaced).toEqual({ __typename: 'StorageFailed', storageCode: 'SymbolicLink' });
    expect((await readdir(outside)).sort()).toEqual(['private.txt']);

    // A permanent delete with the object removes the record, never a file behind the link.
    await writeFile(path.join(outside, 'report.txt'), 'a file of the same name elsewhere');
    const deleted = (
      await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true, deleteStorage: true }) { __typename ... on DeleteArtifactPayload { objectDeleted warnings } } }`, {
        uid: saved.artifact.uid,
      })
    ).deleteArtifact;
    expect(deleted.objectDeleted).toBe(false);
    expect(await readFile(path.join(outside, 'report.txt'), 'utf8')).toBe('a file of the same name elsewhere');
    await rm(path.join(outside, 'report.txt'));
  });

  it('stages nothing through a linked staging folder, and the doctor reports links instead of following them', async () => {
    const staging = path.join(trove.localRoot, '.trove');
    await rm(staging, { recursive: true, force: true });
    await symlink(outside, staging);
    const inline = (await trove.query(CREATE, { input: { content: 'through the link?', description: 'staged' } })).createArtifact;
    expect(inline).toMatchObject({ __typename: 'StorageFailed', storageCode: 'SymbolicLink' });
    const upload = await trove.query(`mutation { createUpload(input: { size: 4 }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    const put = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${upload.createUpload.upload.uploadId}`, body: 'data' });
    expect(put.status).toBe(403);
    expect(put.json()).toMatchObject({ code: 'PATH_REFUSED' });
    expect((await readdir(outside)).sort()).toEqual(['private.txt']);
    await rm(staging);

    // An artifact whose object became a link: a row without an object, never the bytes of the link's target.
    const saved = (await trove.query(CREATE, { input: { content: 'soon a link', description: 'doctor' } })).createArtifact;
    const object = path.join(trove.localRoot, saved.artifact.storageKey);
    await rm(object);
    await symlink(path.join(outside, 'private.txt'), object);
    const report = await doctor(trove.services, { graceMs: 0, deep: true });
    expect(report.rowsWithoutObjects.map((finding) => finding.uid)).toContain(saved.artifact.uid);
    expect(report.hashMismatches).toEqual([]);
    expect(await objectKeys(trove.services.stores.storeFor(trove.localRoot))).not.toContain(saved.artifact.storageKey);
  });

  it('never reaches the signing secret or the database, even from a storage registered over the data folder', async () => {
    // A registration older than these rules, made straight in the database.
    const legacy = await trove.services.db.storage.create({ data: { uid: 'legacyroot01', root: dataDir, type: 'LOCAL', createdById: trove.services.user.id } });
    const result = (await trove.query(CREATE, { input: { path: secretFile, description: 'the secret' } })).createArtifact;
    expect(result).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('protected Trove file') });
    const store = trove.services.stores.storeFor(legacy.root);
    await expect(store.get('secret')).rejects.toMatchObject({ storageCode: 'ProtectedPath' });
    await expect(store.put('postgres/PG_VERSION', Buffer.from('x'))).rejects.toMatchObject({ storageCode: 'ProtectedPath' });
    await trove.services.db.storage.delete({ where: { id: legacy.id } });
  });
});
