// Folder uploads from a client (LaminDB's Artifact of a local directory, saved to a storage): the files are declared
// in one upload session, sent in parallel (again after a dropped connection, resumable), and committed at once as one
// artifact with n_files, size and lamindb-setup's md5-d hash under `.lamindb/{uid}{suffix}/...` (or its real key).
// The folder appears whole or not at all: a failed promotion, a kill before or during the promotions, a lost staged
// file are each checked in both stores, after recovery where there is one.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { uploadFolder } from '../src/client/folder-upload';
import { TroveClientError } from '../src/client/results';
import { TroveClient } from '../src/client/trove-client';
import { moveArtifact } from '../src/domain/artifacts/move';
import { replaceArtifact } from '../src/domain/artifacts/replace';
import { saveArtifact } from '../src/domain/artifacts/save';
import { StorageFailedError } from '../src/domain/errors';
import { SimulatedCrash } from '../src/domain/fault-points';
import { doctor } from '../src/domain/recovery/doctor';
import { sweep } from '../src/domain/recovery/sweep';
import type { ObjectStore } from '../src/storage/object-store';
import { laminHashDir } from './helpers/lamin-hash';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

/** A folder as a user has it on disk: nested files, one empty, one large enough to travel alone (over 1 MiB). */
const FOLDER: Record<string, string | Buffer> = {
  '.zattrs': '{"multiscales": []}',
  '0/0.0': Buffer.alloc(1_500_000, 7),
  '0/0.1': 'second chunk',
  'labels/cells/.zarray': '{"chunks": [64, 64]}',
  'empty.txt': '',
};
const TOTAL = Object.values(FOLDER).reduce((sum, content) => sum + Buffer.byteLength(content), 0);

const CREATE_UPLOAD = `mutation($input: CreateUploadInput) { createUpload(input: $input) { __typename
  ... on CreateUploadPayload { upload { uploadId url nFiles filesReceived status } } ... on InvalidInput { field message } } }`;
const COMMIT = `mutation($uploadId: String!, $key: String) { createArtifact(input: { uploadId: $uploadId, key: $key }) { __typename
  ... on ArtifactPayload { created artifact { uid key suffix size nFiles hash hashType storageKey } } ... on Error { code message } ... on InvalidInput { field } } }`;

async function writeFolder(directory: string, files: Record<string, string | Buffer> = FOLDER): Promise<string> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
    await writeFile(path.join(directory, file), content);
  }
  return directory;
}

describe('folder uploads', () => {
  let trove: TestTrove & { url: string };
  let work: string;
  let s3Uid: string;
  const local = () => trove.services.stores.storeFor(trove.localRoot);
  const s3 = () => trove.services.stores.storeFor(trove.s3rverRoot);
  const client = () => new TroveClient(trove.url);
  const everything = (store: ObjectStore) => objectKeys(store, { includeInternal: true });
  const under = async (store: ObjectStore, prefix: string) => (await everything(store)).filter((key) => key.startsWith(prefix));
  const expireLeases = () => trove.services.db.$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
  let folders = 0;
  const newFolder = async (files?: Record<string, string | Buffer>) => writeFolder(path.join(work, `run${++folders}`, 'plate.zarr'), files);
  /** Files are sent through HTTP by the SDK; the commit runs in-process, where faults are injected. */
  const sendFolder = (directory: string) => uploadFolder(client().graphql, {}, directory);
  const commitInProcess = (uploadId: string, key: string) => saveArtifact(trove.services, { source: { kind: 'upload', uploadId }, key });
  const expectInStore = async (store: ObjectStore, folderKey: string, files = FOLDER) => {
    expect(await under(store, `${folderKey}/`)).toEqual(Object.keys(files).map((file) => `${folderKey}/${file}`).sort());
    for (const [file, content] of Object.entries(files)) expect(await readObject(store, `${folderKey}/${file}`)).toBe(content.toString());
  };
  /** In-process requests name the server trove.test; the same paths are served on its port. */
  const served = (url: string) => url.replace('http://trove.test', trove.url);
  const expectNothingLeft = async (store: ObjectStore, uid: string) => {
    expect(await trove.services.db.artifact.count({ where: { uid } })).toBe(0);
    expect(await under(store, `.lamindb/${uid}`)).toEqual([]);
    expect(await stagingKeys(store)).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  };

  beforeAll(async () => {
    trove = await startListeningTrove();
    work = await mkdtemp(path.join(tmpdir(), 'trove-folder-upload-'));
    s3Uid = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root: trove.s3rverRoot }))
      .registerStorage.storage.uid;
  });
  afterAll(async () => {
    await trove?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("saves a local folder as one artifact with LaminDB's md5-d hash, under its auto key, and downloads it again", async () => {
    const directory = await newFolder();
    const progress: [number, number][] = [];
    const phases: string[] = [];
    const saved = await client().saveFile(directory, { key: 'screens/plate.zarr' }, { onProgress: (bytes, total) => progress.push([bytes, total]), onPhase: (phase) => phases.push(phase) });
    // Before any file is sent, the SDK names the upload (what `--resume` takes after an interruption).
    expect(phases[0]).toMatch(/^sending 5 files as upload (\w{22}) \(if interrupted: --resume \1\)$/);
    const { artifact } = saved;
    expect(saved.created).toBe(true);
    expect(artifact).toMatchObject({ key: 'screens/plate.zarr', suffix: '.zarr', size: TOTAL, nFiles: 5, hashType: 'md5-d', storageOngoing: false });
    expect(artifact.hash).toBe(laminHashDir(Object.values(FOLDER)));
    // One progress bar for the whole folder: bytes over the folder's total, ending at the total.
    expect(progress.at(-1)).toEqual([TOTAL, TOTAL]);
    expect(new Set(progress.map(([, total]) => total))).toEqual(new Set([TOTAL]));

    // Both stores: the row, every file at .lamindb/{uid}.zarr/..., nothing staged, no work owed, the session used.
    const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
    expect(row).toMatchObject({ storageKey: `.lamindb/${artifact.uid}.zarr`, keyIsVirtual: true, nFiles: 5, storageOngoing: false });
    await expectInStore(local(), row.storageKey);
    expect(await stagingKeys(local())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    expect(await trove.services.db.uploadSession.findFirstOrThrow({ where: { nFiles: 5 }, orderBy: { id: 'desc' } })).toMatchObject({ status: 'COMMITTED', filesReceived: 5 });
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });

    // The same folder again is the same artifact (LaminDB's dedup by hash); what it sent is not kept.
    const again = await client().saveFile(await newFolder(), { key: 'screens/plate.zarr' });
    expect(again).toMatchObject({ created: false, artifact: { uid: artifact.uid } });
    expect(await stagingKeys(local())).toEqual([]);

    const copy = path.join(work, 'downloaded');
    await client().download({ uid: artifact.uid }, copy);
    for (const [file, content] of Object.entries(FOLDER)) expect(await readFile(path.join(copy, file))).toEqual(Buffer.from(content));
  });

  it('saves a folder to S3 under a real key, to the same hash as on local storage', async () => {
    // The same files as the first test's folder: CREATE_NEW makes a second artifact instead of returning that one.
    const saved = await client().saveFile(await newFolder(), { key: 'plates/p1.zarr', storageUid: s3Uid, keyIsVirtual: false, ifHashExists: 'CREATE_NEW' });
    expect(saved.artifact).toMatchObject({ key: 'plates/p1.zarr', nFiles: 5, size: TOTAL, hash: laminHashDir(Object.values(FOLDER)) });
    const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: saved.artifact.uid } });
    expect(row.storageKey).toBe('plates/p1.zarr');
    await expectInStore(s3(), 'plates/p1.zarr');
    expect(await stagingKeys(s3())).toEqual([]);
    // Its files are listed a page at a time, each page one S3 listing from the last path before it (StartAfter).
    const PAGE = `query($uid: String!, $after: String) { artifact(uid: $uid) { files(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { path size } } } } }`;
    const listed: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const { files } = (await trove.query(PAGE, { uid: saved.artifact.uid, after })).artifact;
      expect(files.totalCount).toBe(5);
      listed.push(...files.edges.map((edge: { node: { path: string } }) => edge.node.path));
      if (!files.pageInfo.hasNextPage) break;
      after = files.pageInfo.endCursor;
    }
    expect(listed).toEqual(Object.keys(FOLDER).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    // The same pages on local storage (listed whole, sorted the same way); a page backwards is refused.
    const localFolder = (await trove.services.db.artifact.findFirstOrThrow({ where: { key: 'screens/plate.zarr' } })).uid;
    const firstLocal = (await trove.query(PAGE, { uid: localFolder })).artifact.files;
    expect(firstLocal.edges.map((edge: { node: { path: string } }) => edge.node.path)).toEqual(listed.slice(0, 2));
    const secondLocal = (await trove.query(PAGE, { uid: localFolder, after: firstLocal.pageInfo.endCursor })).artifact.files;
    expect(secondLocal.edges.map((edge: { node: { path: string } }) => edge.node.path)).toEqual(listed.slice(2, 4));
    const backwards = await trove.graphql(`query($uid: String!) { artifact(uid: $uid) { files(last: 2) { totalCount } } }`, { uid: localFolder });
    expect(backwards.errors?.[0]?.message).toMatch(/forward only/);
    // A real key that holds files already is refused, and nothing of the new upload stays.
    const other = await newFolder({ 'x.txt': 'another folder' });
    const clash = await client().saveFile(other, { key: 'plates/p1.zarr', storageUid: s3Uid, keyIsVirtual: false, description: 'clash' }).catch((error: TroveClientError) => error);
    // The error says how to commit the files already sent under other options.
    expect(clash).toMatchObject({ code: expect.stringMatching(/KEY_OCCUPIED|FILE_EXISTS/), message: expect.stringMatching(/--resume \w{22} --key/) });
    await expectInStore(s3(), 'plates/p1.zarr');
    // The refused upload stays RECEIVED with its staged file, to be committed elsewhere (another key) or to expire.
    expect(await stagingKeys(s3())).toHaveLength(1);
  });

  it('gives one artifact for concurrent commits of the same folder, and a new version under the same key', async () => {
    const files = { 'x.txt': 'concurrent', 'y/z.txt': 'identical folders' };
    const uploads = await Promise.all([1, 2, 3].map(async () => sendFolder(await newFolder(files))));
    const saved = await Promise.all(uploads.map((uploadId) => commitInProcess(uploadId, 'concurrent.zarr')));
    expect(new Set(saved.map((result) => result.artifact.uid)).size).toBe(1);
    expect(saved.filter((result) => result.created)).toHaveLength(1);
    expect(await trove.services.db.artifact.count({ where: { key: 'concurrent.zarr' } })).toBe(1);
    expect(await under(local(), `.lamindb/${saved[0]!.artifact.uid}.zarr/`)).toHaveLength(2);
    // Nothing of the two answered with the existing artifact stays staged.
    expect((await stagingKeys(local())).filter((key) => uploads.some((uploadId) => key.includes(uploadId)))).toEqual([]);
    // Other files under the same key: LaminDB's next version, a folder of its own.
    const next = await commitInProcess(await sendFolder(await newFolder({ ...files, 'x.txt': 'changed' })), 'concurrent.zarr');
    expect(next.artifact.uid.slice(0, 16)).toBe(saved[0]!.artifact.uid.slice(0, 16));
    expect(next.artifact.uid).not.toBe(saved[0]!.artifact.uid);
    expect(await readObject(local(), `.lamindb/${next.artifact.uid}.zarr/x.txt`)).toBe('changed');
    expect(await readObject(local(), `.lamindb/${saved[0]!.artifact.uid}.zarr/x.txt`)).toBe('concurrent');
  });

  it('refuses bad declarations and bytes that were not declared, and keeps nothing of them', async () => {
    const create = async (files: unknown) => (await trove.query(CREATE_UPLOAD, { input: { fileName: 'bad.zarr', files } })).createUpload;
    for (const files of [
      [],
      [{ path: '../escape', size: 1 }],
      [{ path: 'a', size: 1 }, { path: 'a', size: 1 }],
      [{ path: 'a', size: 1 }, { path: 'a/b', size: 1 }],
      [{ path: 'a/b', size: 1 }, { path: 'a', size: 1 }],
      [{ path: '.trove/x', size: 1 }],
      [{ path: 'x', size: -1 }],
    ]) {
      expect(await create(files)).toMatchObject({ __typename: 'InvalidInput', field: expect.stringMatching(/^input\.files/) });
    }
    const { upload } = await create([{ path: 'a.txt', size: 5 }, { path: 'b/c.txt', size: 3 }]);
    expect(upload).toMatchObject({ nFiles: 2, filesReceived: 0, status: 'OPEN' });
    // Files added later are checked against those declared before, both ways.
    const add = async (uploadId: string, files: unknown) =>
      (await trove.query(`mutation($input: AddUploadFilesInput!) { addUploadFiles(input: $input) { __typename ... on InvalidInput { field message } } }`, { input: { uploadId, files } }))
        .addUploadFiles;
    expect(await add(upload.uploadId, [{ path: 'b', size: 1 }])).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('as a folder') });
    expect(await add(upload.uploadId, [{ path: 'a.txt/x', size: 1 }])).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('inside "a.txt"') });
    const single = (await trove.query(CREATE_UPLOAD, { input: { fileName: 'one.txt', size: 3 } })).createUpload.upload;
    expect(await add(single.uploadId, [{ path: 'x', size: 1 }])).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('single file') });
    // Only a folder's upload resumes.
    const file = path.join(work, 'single.txt');
    await writeFile(file, 'one file');
    await expect(client().saveFile(file, { key: 'single.txt' }, { resumeUploadId: upload.uploadId })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const put = (file: string | undefined, body: string) => fetch(served(file === undefined ? upload.url : `${upload.url}?file=${encodeURIComponent(file)}`), { method: 'PUT', body });
    expect(await (await put('nope.txt', 'hello')).json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('declares no file "nope.txt"') });
    expect(await (await put('a.txt', 'too long')).json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('5 bytes') });
    expect(await (await put(undefined, 'hello')).json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('?file=') });
    // A tar batch with one undeclared file records none of its files.
    const archive = tarPack();
    archive.entry({ name: 'a.txt', size: 5 }, 'hello');
    archive.entry({ name: 'undeclared.txt', size: 1 }, 'x');
    archive.finalize();
    const refused = await fetch(served(`${upload.url}?archive=tar`), { method: 'PUT', body: await buffer(archive) });
    expect(await refused.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('undeclared.txt') });
    expect(await trove.services.db.uploadFile.count({ where: { upload: { uploadId: upload.uploadId }, hash: { not: null } } })).toBe(0);
    expect(await stagingKeys(local())).toEqual([]);
    expect((await put('a.txt', 'hello')).status).toBe(200);
    // Committing before every file arrived says so; the session stays usable.
    expect((await trove.query(COMMIT, { uploadId: upload.uploadId, key: 'bad.zarr' })).createArtifact).toMatchObject({
      __typename: 'InvalidInput',
      message: expect.stringContaining('has not received'),
    });
    const missing = await trove.query(`query($id: String!) { upload(uploadId: $id) { filesReceived missingFiles } }`, { id: upload.uploadId });
    expect(missing.upload).toEqual({ filesReceived: 1, missingFiles: ['b/c.txt'] });
    expect(await trove.services.db.artifact.count({ where: { key: 'bad.zarr' } })).toBe(0);
    // An expired session's staged files go with it.
    await trove.services.db.uploadSession.update({ where: { uploadId: upload.uploadId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const report = await sweep(trove.services, { graceMs: 0 });
    expect(report.uploadsExpired).toContain(upload.uploadId);
    expect((await stagingKeys(local())).filter((key) => key.includes(upload.uploadId))).toEqual([]);
  });

  it('takes a file sent again before the commit, and files declared in a second request', async () => {
    const { upload } = (await trove.query(CREATE_UPLOAD, { input: { fileName: 'resent', files: [{ path: 'a.txt', size: 5 }] } })).createUpload;
    const added = await trove.query(`mutation($input: AddUploadFilesInput!) { addUploadFiles(input: $input) { __typename ... on AddUploadFilesPayload { upload { nFiles } } ... on InvalidInput { message } } }`, {
      input: { uploadId: upload.uploadId, files: [{ path: 'd/e.txt', size: 2 }] },
    });
    expect(added.addUploadFiles).toEqual({ __typename: 'AddUploadFilesPayload', upload: { nFiles: 2 } });
    const put = (file: string, body: string) => fetch(served(`${upload.url}?file=${encodeURIComponent(file)}`), { method: 'PUT', body }).then((response) => response.json());
    await put('a.txt', 'first');
    expect(await put('d/e.txt', 'de')).toMatchObject({ status: 'RECEIVED', filesReceived: 2, hash: laminHashDir(['first', 'de']) });
    expect(await put('a.txt', 'again')).toMatchObject({ status: 'RECEIVED', filesReceived: 2, hash: laminHashDir(['again', 'de']) });
    const committed = (await trove.query(COMMIT, { uploadId: upload.uploadId, key: 'resent' })).createArtifact;
    expect(committed).toMatchObject({ __typename: 'ArtifactPayload', artifact: { nFiles: 2, size: 7, hash: laminHashDir(['again', 'de']) } });
    expect(await readObject(local(), `${committed.artifact.storageKey}/a.txt`)).toBe('again');
    expect(await stagingKeys(local())).toEqual([]);
    // A committed upload takes no more bytes.
    expect(await put('a.txt', 'late!')).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('resumes an interrupted folder upload: only the missing files are sent', async () => {
    const directory = await newFolder({ 'one.txt': 'one', 'two.txt': 'two', 'three/3.txt': 'three' });
    const { upload } = (
      await trove.query(CREATE_UPLOAD, { input: { fileName: 'plate.zarr', files: [{ path: 'one.txt', size: 3 }, { path: 'three/3.txt', size: 5 }, { path: 'two.txt', size: 3 }] } })
    ).createUpload;
    // The first attempt delivered one file before the connection dropped.
    await fetch(served(`${upload.url}?file=one.txt`), { method: 'PUT', body: 'one' });
    const delivered = () => trove.services.db.uploadFile.findFirstOrThrow({ where: { upload: { uploadId: upload.uploadId }, path: 'one.txt' } });
    const first = await delivered();
    const progress: number[] = [];
    const saved = await client().saveFile(directory, { key: 'resumed.zarr' }, { resumeUploadId: upload.uploadId, onProgress: (bytes) => progress.push(bytes) });
    expect(saved.artifact).toMatchObject({ nFiles: 3, size: 11, hash: laminHashDir(['one', 'two', 'three']) });
    // Only the two missing files were sent: the delivered one kept its staged bytes, and progress started from it.
    expect((await delivered()).stagingKey).toBe(first.stagingKey);
    expect(progress).toEqual([11]);
    await expectInStore(local(), `.lamindb/${saved.artifact.uid}.zarr`, { 'one.txt': 'one', 'two.txt': 'two', 'three/3.txt': 'three' });
  });

  it('undoes the whole folder when one promotion fails: no row, no file, nothing staged', async () => {
    const uploadId = await sendFolder(await newFolder({ ...FOLDER, 'extra.txt': 'fails to move' }));
    let reached = 0;
    trove.services.faults.fail('protocol.beforeMove', () => new Error('the disk refused the write'), { when: () => ++reached === 3 });
    const failure = await commitInProcess(uploadId, 'failing.zarr').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageFailedError);
    const created = await trove.services.db.artifact.findFirst({ where: { key: 'failing.zarr' } });
    expect(created).toBeNull();
    // Files that had reached the folder before the failure are gone again, as are the staged ones.
    expect((await everything(local())).filter((key) => key.startsWith('.lamindb/') && key.includes('.zarr/extra.txt'))).toEqual([]);
    expect(await stagingKeys(local())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
  });

  it('recovery finishes a folder killed during its promotions when every file is still there', async () => {
    const uploadId = await sendFolder(await newFolder({ ...FOLDER, 'killed.txt': 'killed while moving' }));
    let reached = 0;
    trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === 3 });
    await expect(commitInProcess(uploadId, 'killed.zarr')).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await trove.services.db.artifact.findFirstOrThrow({ where: { key: 'killed.zarr' } });
    // Visibly unfinished: flagged, some files in the folder, the others still staged.
    expect(row.storageOngoing).toBe(true);
    expect((await under(local(), `${row.storageKey}/`)).length).toBeGreaterThan(0);
    expect((await stagingKeys(local())).length).toBeGreaterThan(0);
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(report).toMatchObject({ finished: [row.uid], undone: [], errors: [] });
    expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ storageOngoing: false });
    await expectInStore(local(), row.storageKey, { ...FOLDER, 'killed.txt': 'killed while moving' });
    expect(await stagingKeys(local())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
  });

  it('recovery undoes a killed folder as a whole when a staged file was lost', async () => {
    const uploadId = await sendFolder(await newFolder({ ...FOLDER, 'lost.txt': 'this one is lost' }));
    let reached = 0;
    trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === 4 });
    await expect(commitInProcess(uploadId, 'lost.zarr')).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await trove.services.db.artifact.findFirstOrThrow({ where: { key: 'lost.zarr' } });
    const placed = await under(local(), `${row.storageKey}/`);
    expect(placed.length).toBeGreaterThan(0);
    // One file the dead process had not moved yet disappears from the staging area.
    const stillStaged = await stagingKeys(local());
    await local().delete(stillStaged[0]!);
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(report).toMatchObject({ finished: [], undone: [row.uid], errors: [] });
    await expectNothingLeft(local(), row.uid);
    expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
  });

  it('recovery leaves a folder alone while its promotions are leased, then drops what a finished folder left staged', async () => {
    const uploadId = await sendFolder(await newFolder({ 'only.txt': 'leased' }));
    trove.services.faults.crash('protocol.afterCommit');
    await expect(commitInProcess(uploadId, 'leased.zarr')).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await trove.services.db.artifact.findFirstOrThrow({ where: { key: 'leased.zarr' } });
    // The lease is live: nothing is decided.
    expect(await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).toMatchObject({ finished: [], undone: [] });
    expect(await trove.services.db.storageOperation.count({ where: { artifactId: row.id } })).toBe(1);
    await expireLeases();
    expect((await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).finished).toEqual([row.uid]);
    expect(await readObject(local(), `${row.storageKey}/only.txt`)).toBe('leased');
  });

  it('trashes, restores and permanently deletes an uploaded folder with all of its files', async () => {
    const { artifact } = await client().saveFile(await newFolder({ 'a.txt': 'to be deleted', 'b/c.txt': 'also' }), { key: 'deleted.zarr' });
    const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
    await client().deleteArtifact({ uid: artifact.uid });
    expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ branch: 'TRASH' });
    expect(await under(local(), `${row.storageKey}/`)).toHaveLength(2);
    await client().restoreArtifact(artifact.uid);
    expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ branch: 'MAIN' });
    // Trove placed these files under an auto key: a permanent delete removes them all, as owed deletions.
    const deleted = await client().deleteArtifact({ uid: artifact.uid, permanent: true });
    expect(deleted).toMatchObject({ objectDeleted: true });
    expect(await trove.services.db.artifact.count({ where: { id: row.id } })).toBe(0);
    expect(await under(local(), `${row.storageKey}/`)).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });

  it('recovery finishes a folder killed during its promotions on S3', async () => {
    const files = { 'a.txt': 'first on s3', 'b/c.txt': 'second on s3', 'd.txt': 'third on s3' };
    const uploadId = await uploadFolder(client().graphql, {}, await newFolder(files), { storageUid: s3Uid });
    let reached = 0;
    trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === 2 });
    await expect(commitInProcess(uploadId, 'killed-on-s3.zarr')).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await trove.services.db.artifact.findFirstOrThrow({ where: { key: 'killed-on-s3.zarr' } });
    expect(row.storageOngoing).toBe(true);
    await expireLeases();
    expect(await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).toMatchObject({ finished: [row.uid], undone: [], errors: [] });
    await expectInStore(s3(), row.storageKey, files);
    // (The upload refused at a taken real key above keeps its staged file for a retry until it expires.)
    expect((await stagingKeys(s3())).filter((key) => key.includes(uploadId))).toEqual([]);
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
  });

  describe('moving and renaming folders', () => {
    const files = { 'a.txt': 'moving folder', 'b/c.txt': 'its second file', 'd.txt': 'its third file' };
    const saveFolder = async (key: string) => {
      const { artifact } = await client().saveFile(await newFolder({ ...files, 'id.txt': key }), { key });
      return trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
    };
    const withId = (key: string) => ({ ...files, 'id.txt': key });
    const move = (uid: string) => moveArtifact(trove.services, { uid, storageUid: s3Uid });

    it('moves a folder to another storage with all of its files, and the old files go', async () => {
      const row = await saveFolder('moved.zarr');
      const moved = await client().moveArtifact(row.uid, s3Uid);
      expect(moved.artifact).toMatchObject({ uid: row.uid, nFiles: 4, hash: row.hash, storageOngoing: false });
      await expectInStore(s3(), row.storageKey, withId('moved.zarr'));
      expect(await under(local(), `${row.storageKey}/`)).toEqual([]);
      expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id }, include: { storage: true } })).toMatchObject({ storage: { uid: s3Uid } });
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });

    it('leaves a folder where it was when a promotion of its move fails', async () => {
      const row = await saveFolder('move-fails.zarr');
      let reached = 0;
      trove.services.faults.fail('protocol.beforeMove', () => new Error('the bucket refused the write'), { when: () => ++reached === 2 });
      await expect(move(row.uid)).rejects.toBeInstanceOf(StorageFailedError);
      expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ storageId: row.storageId, storageOngoing: false });
      await expectInStore(local(), row.storageKey, withId('move-fails.zarr'));
      expect(await under(s3(), `${row.storageKey}/`)).toEqual([]);
      // Nothing staged for the move stays (the one staged file left is the refused upload's, above).
      expect(await stagingKeys(s3())).toHaveLength(1);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
    });

    it('recovery undoes a folder move whose staged copy was lost, and keeps every old file', async () => {
      const row = await saveFolder('move-lost.zarr');
      let reached = 0;
      trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === 2 });
      await expect(move(row.uid)).rejects.toBeInstanceOf(SimulatedCrash);
      const staged = await trove.services.db.storageOperation.findMany({ where: { kind: 'PROMOTE', artifactId: row.id } });
      for (const promotion of staged) await s3().delete(promotion.fromKey);
      await expireLeases();
      const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
      expect(report).toMatchObject({ undone: [row.uid], finished: [], errors: [] });
      expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ storageId: row.storageId, storageOngoing: false });
      // The owed deletions of the old files found the folder there again and left every file.
      await expectInStore(local(), row.storageKey, withId('move-lost.zarr'));
      expect(await under(s3(), `${row.storageKey}/`)).toEqual([]);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });

    it('recovery finishes a folder move killed midway: the new files complete, the old ones deleted', async () => {
      const row = await saveFolder('move-killed.zarr');
      let reached = 0;
      trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === 3 });
      await expect(move(row.uid)).rejects.toBeInstanceOf(SimulatedCrash);
      await expireLeases();
      const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
      expect(report).toMatchObject({ finished: [row.uid], undone: [], errors: [] });
      await expectInStore(s3(), row.storageKey, withId('move-killed.zarr'));
      expect(await under(local(), `${row.storageKey}/`)).toEqual([]);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });

    it('renames a folder under a real key: its files move to the new key', async () => {
      const { artifact } = await client().saveFile(await newFolder(withId('real.zarr')), { key: 'real/old.zarr', keyIsVirtual: false });
      const renamed = await client().updateArtifact({ uid: artifact.uid, key: 'real/new.zarr' });
      expect(renamed.artifact).toMatchObject({ key: 'real/new.zarr', nFiles: 4 });
      await expectInStore(local(), 'real/new.zarr', withId('real.zarr'));
      expect(await under(local(), 'real/old.zarr/')).toEqual([]);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });
  });

  describe('replacing folders', () => {
    const before = { 'a.txt': 'version one', 'gone.txt': 'only in the old folder', 'sub/b.txt': 'unchanged' };
    // Each test's new folder is its own content (the same content would answer the artifact that has it).
    const afterFor = (tag: string) => ({ 'a.txt': `version two of ${tag}`, 'sub/b.txt': 'unchanged', 'new/c.txt': 'only in the new folder' });
    const replace = (uid: string, uploadId: string) => replaceArtifact(trove.services, { uid, source: { kind: 'upload', uploadId } });

    it('replaces a folder under the same uid: the new files at its key, the old ones gone', async () => {
      const { artifact } = await client().saveFile(await newFolder(before), { key: 'replaced.zarr' });
      const replaced = await client().replaceWithFile(artifact.uid, await newFolder(afterFor('first')));
      expect(replaced.artifact).toMatchObject({ uid: artifact.uid, nFiles: 3, hash: laminHashDir(Object.values(afterFor('first'))), storageOngoing: false });
      const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
      expect(row.storageKey).toBe(`.lamindb/${artifact.uid}.zarr`);
      await expectInStore(local(), row.storageKey, afterFor('first'));
      expect(await under(local(), '.lamindb/.replacing/')).toEqual([]);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
      // A file cannot become a folder, nor a folder a file.
      const file = await client().createArtifact({ content: 'a file', key: 'not-a-folder.txt' });
      await expect(client().replaceWithFile(file.artifact.uid, await newFolder(afterFor('first')))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('replaces a folder under a real key on S3 from the CLI', async () => {
      const { artifact } = await client().saveFile(await newFolder(before), { key: 'plates/replaced.zarr', keyIsVirtual: false, storageUid: s3Uid });
      const lines: string[] = [];
      await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'replace', artifact.uid, await newFolder(afterFor('s3'))]);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^replaced: ${artifact.uid}  plates/replaced.zarr .*\\(folder of 3 files\\)$`))]);
      await expectInStore(s3(), 'plates/replaced.zarr', afterFor('s3'));
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });

    it('keeps the old folder, whole and at its key, when a promotion of the new one fails', async () => {
      const { artifact } = await client().saveFile(await newFolder({ ...before, 'id.txt': 'failing replace' }), { key: 'replace-fails.zarr' });
      const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
      const uploadId = await sendFolder(await newFolder(afterFor('fails')));
      let reached = 0;
      // The first promotions move the old files aside; the new folder's second promotion fails.
      const failAt = Object.keys(before).length + 2 + 2;
      trove.services.faults.fail('protocol.beforeMove', () => new Error('the disk refused the write'), { when: () => ++reached === failAt });
      await expect(replace(artifact.uid, uploadId)).rejects.toBeInstanceOf(StorageFailedError);
      expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ storageKey: row.storageKey, hash: row.hash, nFiles: 4, storageOngoing: false });
      await expectInStore(local(), row.storageKey, { ...before, 'id.txt': 'failing replace' });
      expect(await under(local(), '.lamindb/.replacing/')).toEqual([]);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    });

    it('recovery undoes a replace killed with a new file lost: the artifact is its old folder, complete', async () => {
      const { artifact } = await client().saveFile(await newFolder({ ...before, 'id.txt': 'killed replace' }), { key: 'replace-killed.zarr' });
      const uploadId = await sendFolder(await newFolder(afterFor('killed')));
      let reached = 0;
      trove.services.faults.crash('protocol.beforeMove', { when: () => ++reached === Object.keys(before).length + 2 + 2 });
      await expect(replace(artifact.uid, uploadId)).rejects.toBeInstanceOf(SimulatedCrash);
      const row = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: artifact.uid } });
      expect(row.storageOngoing).toBe(true);
      for (const promotion of await trove.services.db.storageOperation.findMany({ where: { kind: 'PROMOTE', artifactId: row.id } })) await local().delete(promotion.fromKey);
      await expireLeases();
      expect(await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).toMatchObject({ undone: [artifact.uid], errors: [] });
      // The old folder is the artifact again, complete where its move aside had put it; nothing of the new one stays.
      const now = await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } });
      expect(now).toMatchObject({ hash: artifact.hash, nFiles: 4, storageOngoing: false, storageKey: `.lamindb/.replacing/${artifact.uid}.zarr` });
      await expectInStore(local(), now.storageKey, { ...before, 'id.txt': 'killed replace' });
      expect(await under(local(), `.lamindb/${artifact.uid}.zarr/`)).toEqual([]);
      expect(await trove.services.db.storageOperation.count()).toBe(0);
      expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
      // Replacing it again puts the new folder at its key.
      const again = await replace(artifact.uid, await sendFolder(await newFolder(afterFor('killed'))));
      expect(again.artifact).toMatchObject({ storageKey: `.lamindb/${artifact.uid}.zarr`, nFiles: 3 });
      await expectInStore(local(), again.artifact.storageKey, afterFor('killed'));
      expect(await under(local(), '.lamindb/.replacing/')).toEqual([]);
    });
  });

  it('saves a folder from the CLI with one progress line', async () => {
    const directory = await newFolder({ 'cli/a.txt': 'from the command line', 'b.txt': 'b' });
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'save', directory, '--key', 'cli/plate.zarr']);
    expect(lines).toEqual([expect.stringMatching(/^saved: \w{20}  cli\/plate\.zarr .*\(folder of 2 files\)$/)]);
    const artifact = await client().artifact({ key: 'cli/plate.zarr' });
    expect(await readObject(local(), `.lamindb/${artifact.uid}.zarr/cli/a.txt`)).toBe('from the command line');
  });
});
