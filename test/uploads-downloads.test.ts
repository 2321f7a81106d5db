// Upload sessions and downloads over real HTTP (the gateway's streaming routes), on local storage and S3.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient, TroveClientError } from '../src/client/trove-client';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

describe.each(['local', 's3rver'] as const)('uploads and downloads on %s storage', (backend) => {
  let trove: TestTrove;
  let url: string;
  let client: TroveClient;
  let workDir: string;
  beforeAll(async () => {
    const listening = await startListeningTrove({ defaultStorage: backend });
    ({ url } = listening);
    trove = listening;
    workDir = await mkdtemp(path.join(tmpdir(), 'trove-client-'));
    client = new TroveClient(url, { cacheDir: path.join(workDir, 'cache') });
  });
  afterAll(async () => {
    await trove?.close();
    await rm(workDir, { recursive: true, force: true });
  });
  const store = () => trove.services.stores.storeFor(backend === 'local' ? trove.localRoot : trove.s3rverRoot);

  it('saves a file through an upload session and downloads it, whole and by range', async () => {
    // Over 8 MiB so that S3 staging goes through a real multipart upload.
    const content = randomBytes(17 * 1024 * 1024 + 123);
    const file = path.join(workDir, 'blob.bin');
    await writeFile(file, content);
    const saved = await client.saveFile(file, { key: 'blobs/blob.bin' });
    expect(saved.created).toBe(true);
    expect(saved.artifact).toMatchObject({ size: content.length, hashType: 'md5', hash: createHash('md5').update(content).digest('base64url'), suffix: '.bin' });
    expect(await objectKeys(store())).toEqual([saved.artifact.storageKey]);
    expect(await stagingKeys(store())).toEqual([]);
    const upload = await trove.services.db.uploadSession.findFirstOrThrow();
    expect(upload.status).toBe('COMMITTED');

    const target = path.join(workDir, 'copy.bin');
    await client.download({ key: 'blobs/blob.bin' }, target);
    expect((await readFile(target)).equals(content)).toBe(true);

    const { downloadUrl } = await client.artifact({ uid: saved.artifact.uid });
    const ranged = await fetch(downloadUrl, { headers: { range: 'bytes=100-199' } });
    if (backend === 'local') {
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${content.length}`);
    }
    expect(Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true);
  });

  it('returns the existing artifact when the same file is uploaded again', async () => {
    const file = path.join(workDir, 'again.txt');
    await writeFile(file, 'same bytes twice\n');
    const first = await client.saveFile(file, { description: 'again' });
    const second = await client.saveFile(file, { description: 'again' });
    expect(second).toMatchObject({ created: false, artifact: { uid: first.artifact.uid } });
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('caches a local copy and downloads again only when it is stale', async () => {
    const saved = await client.createArtifact({ content: 'cached content\n', key: 'cache/me.txt' });
    const local = await client.cache({ uid: saved.artifact.uid });
    expect(await readFile(local, 'utf8')).toBe('cached content\n');
    await writeFile(local, 'tampered content\n');
    expect(await readFile(await client.cache({ uid: saved.artifact.uid }), 'utf8')).toBe('cached content\n');
    const replaced = await client.replaceWithContent(saved.artifact.uid, 'new cached content\n');
    expect(replaced.artifact.uid).toBe(saved.artifact.uid);
    expect(await readFile(await client.cache({ uid: saved.artifact.uid }), 'utf8')).toBe('new cached content\n');
  });

  it('the CLI saves and gets files', async () => {
    const file = path.join(workDir, 'cli.csv');
    await writeFile(file, 'a,b\n1,2\n');
    const lines: string[] = [];
    const cli = (...args: string[]) => buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', url, '--json', ...args]);
    await cli('save', file, '--key', 'cli/cli.csv', '--real-key');
    const saved = JSON.parse(lines.pop()!);
    expect(saved.artifact).toMatchObject({ key: 'cli/cli.csv', storageKey: 'cli/cli.csv' });
    expect(await readObject(store(), 'cli/cli.csv')).toBe('a,b\n1,2\n');
    const target = path.join(workDir, 'cli-copy.csv');
    await cli('get', 'cli/cli.csv', target);
    expect(await readFile(target, 'utf8')).toBe('a,b\n1,2\n');
    await cli('delete', saved.artifact.uid, '--permanent', '--delete-storage');
    expect(await trove.services.db.artifact.count({ where: { uid: saved.artifact.uid } })).toBe(0);
    expect(await objectKeys(store())).not.toContain('cli/cli.csv');
  });
});

describe('upload and download failures', () => {
  let trove: TestTrove;
  let url: string;
  beforeAll(async () => {
    const listening = await startListeningTrove();
    ({ url } = listening);
    trove = listening;
  });
  afterAll(async () => trove?.close());
  const graphql = async (query: string, variables?: Record<string, unknown>) =>
    (await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })).json()) as any;

  it('a truncated upload leaves the session open, no staged object, and it can be sent again', async () => {
    const created = await graphql(`mutation { createUpload(input: { fileName: "x.bin", size: 1000 }) { ... on Upload { uploadId url } } }`);
    const { uploadId, url: uploadUrl } = created.data.createUpload;
    const short = await fetch(uploadUrl, { method: 'PUT', body: randomBytes(10) });
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await stagingKeys(trove.services.stores.storeFor(trove.localRoot))).toEqual([]);
    const uncommitted = await graphql(`mutation($id: String) { createArtifact(input: { uploadId: $id, description: "x" }) { __typename ... on Error { message } } }`, { id: uploadId });
    expect(uncommitted.data.createArtifact.__typename).toBe('InvalidInput');
    const full = await fetch(uploadUrl, { method: 'PUT', body: randomBytes(1000) });
    expect(full.status).toBe(200);
    const committed = await graphql(`mutation($id: String) { createArtifact(input: { uploadId: $id, description: "x" }) { __typename ... on ArtifactPayload { artifact { size suffix } } } }`, { id: uploadId });
    expect(committed.data.createArtifact.artifact).toEqual({ size: 1000, suffix: '.bin' });
    const reused = await graphql(`mutation($id: String) { createArtifact(input: { uploadId: $id, description: "y" }) { __typename } }`, { id: uploadId });
    expect(reused.data.createArtifact.__typename).toBe('InvalidInput');
  });

  it('refuses downloads with a bad or expired signature', async () => {
    const client = new TroveClient(url);
    const saved = await client.createArtifact({ content: 'secret', description: 'signed' });
    const { downloadUrl } = await client.artifact({ uid: saved.artifact.uid });
    const tampered = `${downloadUrl}x`;
    expect((await fetch(tampered)).status).toBe(403);
    const expired = url + trove.services.signer.sign(saved.artifact.uid, -10);
    const response = await fetch(expired);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'URL_EXPIRED' });
    expect(await (await fetch(downloadUrl)).text()).toBe('secret');
  });

  it('client errors carry the typed error code', async () => {
    const client = new TroveClient(url);
    await expect(client.createArtifact({ content: 'x', key: '../x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.createArtifact({ content: 'x', key: '../x' })).rejects.toBeInstanceOf(TroveClientError);
  });
});
