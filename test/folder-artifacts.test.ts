// Folder artifacts registered in place (LaminDB's Artifact of a directory, e.g. a .zarr store already in a bucket):
// one artifact with n_files, total size and lamindb-setup's md5-d hash, on local storage (files hashed) and S3 (ETags);
// its files listed with download URLs and downloaded whole by the SDK and CLI; a folder owns every key under it;
// the doctor checks it; a permanent delete removes its files only when asked. Both stores are checked.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { doctor } from '../src/domain/recovery/doctor';
import { laminHashDir } from './helpers/lamin-hash';
import { objectKeys } from './helpers/storage-state';
import { nodes, startListeningTrove, type TestTrove } from './helpers/trove';

const REGISTER = `mutation($path: String!) { createArtifact(input: { path: $path }) { __typename
  ... on ArtifactPayload { created warnings artifact { uid key suffix size nFiles hash hashType keyIsVirtual storageKey downloadUrl } }
  ... on InvalidInput { field message } ... on Error { code message } } }`;
const FILES = `query($uid: String!, $first: Int, $after: String) { artifact(uid: $uid) { files(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { path size downloadUrl } } } } }`;
const DELETE = `mutation($uid: String!, $deleteStorage: Boolean) { deleteArtifact(input: { uid: $uid, permanent: true, deleteStorage: $deleteStorage }) {
  __typename ... on DeleteArtifactPayload { objectDeleted warnings } ... on Error { code message } } }`;

/** The folder's files, as a user put them there. */
const FILES_OF_PLATE: Record<string, string> = {
  'a.csv': 'well,signal\nA1,0.5\n',
  'sub/b.csv': 'well,signal\nB1,0.7\n',
  'sub/deeper/c.bin': 'binary-ish bytes',
};

describe('folder artifacts registered in place', () => {
  let trove: TestTrove & { url: string };
  const totalSize = Object.values(FILES_OF_PLATE).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
  const placeFolder = async (root: string, folder: string) => {
    for (const [file, content] of Object.entries(FILES_OF_PLATE)) {
      await mkdir(path.dirname(path.join(root, folder, file)), { recursive: true });
      await writeFile(path.join(root, folder, file), content);
    }
  };
  const register = async (location: string) => (await trove.query(REGISTER, { path: location })).createArtifact;
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it("registers a local folder as one artifact with LaminDB's md5-d hash, lists and serves its files", async () => {
    await placeFolder(trove.localRoot, 'screens/plate1.zarr');
    const registered = await register(path.join(trove.localRoot, 'screens/plate1.zarr'));
    expect(registered).toMatchObject({
      __typename: 'ArtifactPayload',
      created: true,
      artifact: { key: 'screens/plate1.zarr', suffix: '.zarr', size: totalSize, nFiles: 3, hashType: 'md5-d', keyIsVirtual: false, storageKey: 'screens/plate1.zarr', downloadUrl: null },
    });
    expect(registered.artifact.hash).toBe(laminHashDir(Object.values(FILES_OF_PLATE)));
    // Registering it again is the same artifact.
    expect(await register(path.join(trove.localRoot, 'screens/plate1.zarr'))).toMatchObject({ created: false, artifact: { uid: registered.artifact.uid } });

    const uid = registered.artifact.uid;
    const firstPage = (await trove.query(FILES, { uid, first: 2 })).artifact.files;
    expect(firstPage).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const rest = (await trove.query(FILES, { uid, first: 2, after: firstPage.pageInfo.endCursor })).artifact.files;
    const files = [...nodes(firstPage), ...nodes(rest)];
    expect(files.map((file) => [file.path, file.size])).toEqual(Object.entries(FILES_OF_PLATE).map(([file, content]) => [file, Buffer.byteLength(content)]));
    // The in-process requests of this test name the server trove.test; the same paths are served on its port.
    const served = (url: string) => url.replace('http://trove.test', trove.url);
    for (const file of files) expect(await (await fetch(served(file.downloadUrl))).text()).toBe(FILES_OF_PLATE[file.path]);
    // A signed URL names one file: another path under the same signature is refused.
    const forged = served(files[0].downloadUrl).replace('file=a.csv', 'file=sub%2Fb.csv');
    expect((await fetch(forged)).status).toBe(403);

    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
    await writeFile(path.join(trove.localRoot, 'screens/plate1.zarr/extra.txt'), 'added behind Trove');
    const report = await doctor(trove.services, { graceMs: 0 });
    expect(report.sizeMismatches).toEqual([expect.objectContaining({ uid, detail: expect.stringContaining('row says 3 files') })]);
    await rm(path.join(trove.localRoot, 'screens/plate1.zarr/extra.txt'));
  });

  it('lets nothing else own a key inside a folder, and keeps a folder whole', async () => {
    await placeFolder(trove.localRoot, 'screens/plate2');
    const folder = (await register(path.join(trove.localRoot, 'screens/plate2'))).artifact;
    const inside = await trove.query(`mutation { createArtifact(input: { content: "x", key: "screens/plate2/new.csv", keyIsVirtual: false }) { __typename ... on InvalidInput { message } } }`);
    expect(inside.createArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining(folder.uid) });
    expect(await register(path.join(trove.localRoot, 'screens/plate2/a.csv'))).toMatchObject({ __typename: 'InvalidInput' });
    // A folder over keys another artifact owns is refused too.
    expect(await register(path.join(trove.localRoot, 'screens'))).toMatchObject({ __typename: 'InvalidInput', field: 'input.path' });
    const replaced = await trove.query(`mutation($uid: String!) { replaceArtifact(input: { uid: $uid, content: "x" }) { __typename ... on InvalidInput { message } } }`, { uid: folder.uid });
    expect(replaced.replaceArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('is a folder') });
    expect(await readFile(path.join(trove.localRoot, 'screens/plate2/a.csv'), 'utf8')).toBe(FILES_OF_PLATE['a.csv']);
    expect(await trove.services.db.artifact.count({ where: { storageKey: { startsWith: 'screens/plate2' } } })).toBe(1);
  });

  it('downloads a whole folder through the SDK and the CLI', async () => {
    await placeFolder(trove.localRoot, 'screens/plate3');
    const lines: string[] = [];
    const cli = (...args: string[]) => buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, ...args]);
    await cli('register', path.join(trove.localRoot, 'screens/plate3'));
    expect(lines[0]).toMatch(/^registered: \w{20}  screens\/plate3 .*\(folder of 3 files\)$/);
    const directory = await mkdtemp(path.join(tmpdir(), 'trove-folder-'));
    try {
      const progress: number[] = [];
      await new TroveClient(trove.url).download({ key: 'screens/plate3' }, path.join(directory, 'sdk'), { onProgress: (bytes) => progress.push(bytes) });
      for (const [file, content] of Object.entries(FILES_OF_PLATE)) expect(await readFile(path.join(directory, 'sdk', file), 'utf8')).toBe(content);
      expect(progress.at(-1)).toBe(totalSize);
      await cli('get', 'screens/plate3', path.join(directory, 'cli'));
      expect(await readFile(path.join(directory, 'cli', 'sub/deeper/c.bin'), 'utf8')).toBe(FILES_OF_PLATE['sub/deeper/c.bin']);
      // The SDK takes the whole folder as one tar stream; its URL is signed for that folder's archive only.
      const { archiveUrl } = await new TroveClient(trove.url).artifact({ key: 'screens/plate3' });
      const archive = await fetch(archiveUrl!);
      expect([archive.status, archive.headers.get('content-type'), archive.headers.get('x-trove-files')]).toEqual([200, 'application/x-tar', '3']);
      expect((await archive.arrayBuffer()).byteLength).toBeGreaterThan(totalSize);
      expect((await fetch(archiveUrl!.replace('archive=tar&', ''))).status).toBe(403);
      expect((await new TroveClient(trove.url).artifact({ key: 'screens/plate1.zarr' })).archiveUrl).toMatch(/archive=tar/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('registers a folder in S3 from its ETags, to the same hash as the same files on local storage', async () => {
    const s3 = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root: trove.s3rverRoot })).registerStorage.storage.uid;
    const store = trove.services.stores.storeFor(trove.s3rverRoot);
    for (const [file, content] of Object.entries(FILES_OF_PLATE)) await store.put(`plates/plate4/${file}`, Buffer.from(content));
    const registered = (await register(`${trove.s3rverRoot}/plates/plate4`)).artifact;
    expect(registered).toMatchObject({ nFiles: 3, size: totalSize, hashType: 'md5-d', hash: laminHashDir(Object.values(FILES_OF_PLATE)) });
    const files = nodes((await trove.query(FILES, { uid: registered.uid, first: 10 })).artifact.files);
    expect(await (await fetch(files[1].downloadUrl)).text()).toBe(FILES_OF_PLATE['sub/b.csv']);
    // The whole folder from S3, through the gateway's archive.
    const copy = await mkdtemp(path.join(tmpdir(), 'trove-s3-folder-'));
    try {
      await new TroveClient(trove.url).download({ uid: registered.uid }, copy);
      for (const [file, content] of Object.entries(FILES_OF_PLATE)) expect(await readFile(path.join(copy, file), 'utf8')).toBe(content);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
    expect((await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: registered.uid }, include: { storage: true } })).storage.uid).toBe(s3);

    // Deleted for good: the files stay unless asked; with deleteStorage they all go.
    const kept = (await trove.query(DELETE, { uid: registered.uid })).deleteArtifact;
    expect(kept).toMatchObject({ objectDeleted: false, warnings: [expect.stringContaining("the folder's 3 file(s) remain")] });
    expect(await objectKeys(store)).toEqual(expect.arrayContaining(['plates/plate4/a.csv', 'plates/plate4/sub/b.csv', 'plates/plate4/sub/deeper/c.bin']));
    const again = (await register(`${trove.s3rverRoot}/plates/plate4`)).artifact;
    expect((await trove.query(DELETE, { uid: again.uid, deleteStorage: true })).deleteArtifact).toMatchObject({ objectDeleted: true });
    expect((await objectKeys(store)).filter((key) => key.startsWith('plates/plate4/'))).toEqual([]);
    expect(await trove.services.db.artifact.count({ where: { uid: again.uid } })).toBe(0);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });
});
