// Upload sessions and downloads over real HTTP (the gateway's streaming routes), on local storage and S3.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClientError } from '../src/client/results';
import { TroveClient } from '../src/client/trove-client';
import { sweep } from '../src/domain/recovery/sweep';
import { laminHash } from './helpers/lamin-hash';
import { objectKeys, readObject, readObjectBytes, stagingKeys } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

/** GraphQL over HTTP, so that URLs in answers point at the listening server. */
async function graphqlAt(url: string, query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

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
    const ranged = await fetch(downloadUrl!, { headers: { range: 'bytes=100-199' } });
    if (backend === 'local') {
      expect(ranged.status).toBe(206);
      expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${content.length}`);
    }
    expect(Buffer.from(await ranged.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true);
  });

  it('streams an upload of unannounced size (chunked, over 50 MiB) and hashes it like LaminDB', async () => {
    // Without a length S3 staging goes through a multipart upload, and sha1-fl needs the tail read back.
    const content = randomBytes(50 * 1024 * 1024 + 3_000_017);
    const created = await graphqlAt(url, `mutation { createUpload(input: { fileName: "stream.bin" }) { ... on CreateUploadPayload { upload { uploadId url } } } }`);
    const { uploadId, url: uploadUrl } = created.data.createUpload.upload;
    const chunks = Readable.from((function* () {
      for (let offset = 0; offset < content.length; offset += 1_000_003) yield content.subarray(offset, offset + 1_000_003);
    })());
    const sent = await fetch(uploadUrl, { method: 'PUT', body: Readable.toWeb(chunks) as ReadableStream, duplex: 'half' } as RequestInit);
    expect(sent.status).toBe(200);
    const committed = await trove.query(
      `mutation($id: String) { createArtifact(input: { uploadId: $id, description: "streamed" }) { ... on ArtifactPayload { artifact { size hash hashType storageKey } } } }`,
      { id: uploadId },
    );
    expect(committed.createArtifact.artifact).toMatchObject({ size: content.length, hashType: 'sha1-fl', hash: laminHash(content) });
    expect((await readObjectBytes(store(), committed.createArtifact.artifact.storageKey)).equals(content)).toBe(true);
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('a truncated upload leaves the session open, no staged object, and it can be sent again', async () => {
    const created = await graphqlAt(url, `mutation { createUpload(input: { fileName: "x.bin", size: 1000 }) { ... on CreateUploadPayload { upload { uploadId url } } } }`);
    const { uploadId, url: uploadUrl } = created.data.createUpload.upload;
    const short = await fetch(uploadUrl, { method: 'PUT', body: randomBytes(10) });
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({ code: 'INVALID_INPUT' });
    // Chunked, so no length to compare up front: the stream ends cleanly after 10 of the 1000 announced bytes.
    const chunked = await fetch(uploadUrl, { method: 'PUT', body: Readable.toWeb(Readable.from([randomBytes(10)])) as ReadableStream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(400);
    expect(await chunked.json()).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('after 10 of 1000 bytes') });
    // The truncated bytes were deleted; s3rver may still write an aborted PUT after that delete, and such an object
    // is owned by nothing: the sweep (here at once, in production after TROVE_RECOVERY_GRACE_SECONDS) removes it.
    if (backend === 's3rver') await sweep(trove.services, { graceMs: 0 });
    expect(await stagingKeys(store())).toEqual([]);
    const uncommitted = await graphqlAt(url, `mutation($id: String) { createArtifact(input: { uploadId: $id, description: "x" }) { __typename ... on Error { message } } }`, { id: uploadId });
    expect(uncommitted.data.createArtifact.__typename).toBe('InvalidInput');
    const full = await fetch(uploadUrl, { method: 'PUT', body: randomBytes(1000) });
    expect(full.status).toBe(200);
    const committed = await graphqlAt(url, `mutation($id: String) { createArtifact(input: { uploadId: $id, description: "x" }) { __typename ... on ArtifactPayload { artifact { size suffix } } } }`, { id: uploadId });
    expect(committed.data.createArtifact.artifact).toEqual({ size: 1000, suffix: '.bin' });
    const reused = await graphqlAt(url, `mutation($id: String) { createArtifact(input: { uploadId: $id, description: "y" }) { __typename } }`, { id: uploadId });
    expect(reused.data.createArtifact.__typename).toBe('InvalidInput');
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
    expect(await (await fetch(downloadUrl!)).text()).toBe('secret');
  });

  it('client errors carry the typed error code', async () => {
    const client = new TroveClient(url);
    await expect(client.createArtifact({ content: 'x', key: '../x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.createArtifact({ content: 'x', key: '../x' })).rejects.toBeInstanceOf(TroveClientError);
  });
});

describe('the size cap of GraphQL requests (TROVE_MAX_UPLOAD_BYTES)', () => {
  let trove: TestTrove & { url: string };
  beforeAll(async () => {
    trove = await startListeningTrove({ env: { TROVE_MAX_UPLOAD_BYTES: '100000' } });
  });
  afterAll(async () => trove?.close());
  const CREATE_FROM_FILE = 'mutation($f: File) { createArtifact(input: { file: $f, description: "capped" }) { __typename ... on Error { code message } } }';

  /** A multipart createArtifact with a file of `size` bytes; `chunked` sends it without a Content-Length. */
  async function sendFile(size: number, chunked = false): Promise<{ status: number; body: any }> {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: CREATE_FROM_FILE, variables: { f: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.f'] }));
    form.set('0', new File([new Uint8Array(randomBytes(size))], 'capped.bin'));
    const encoded = new Response(form);
    const init = chunked
      ? { method: 'POST', body: encoded.body, duplex: 'half', headers: { 'content-type': encoded.headers.get('content-type')!, 'x-trove-csrf': '1' } }
      : { method: 'POST', body: form, headers: { 'x-trove-csrf': '1' } };
    const response = await fetch(`${trove.url}/graphql`, init as RequestInit);
    return { status: response.status, body: await response.json() };
  }

  it('refuses files over the cap while parsing, and bodies declared over it before reading them; nothing is stored', async () => {
    const store = trove.services.stores.storeFor(trove.localRoot);
    const overWhileParsing = await sendFile(150_000);
    expect(overWhileParsing).toMatchObject({ status: 413, body: { errors: [{ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] } });
    const chunked = await sendFile(3_000_000, true);
    expect(chunked).toMatchObject({ status: 413, body: { errors: [{ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] } });
    const declared = await sendFile(3_000_000);
    expect(declared.status).toBe(413);
    // Each refusal says which setting caps it and what takes any size.
    for (const refused of [overWhileParsing, chunked, declared]) {
      expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' }, message: expect.stringMatching(/TROVE_MAX_UPLOAD_BYTES.*createUpload, which takes any size/) });
    }
    // A fetch-based client (graphql-request) still sending a large body reads the answer instead of a reset.
    const client = new GraphQLClient(`${trove.url}/graphql`);
    const large = await client.request('mutation($c: String) { createArtifact(input: { content: $c, description: "capped" }) { __typename } }', { c: 'x'.repeat(200_000_000) }).catch((error: unknown) => error);
    expect(large).toMatchObject({ response: { status: 413 } });
    expect(await trove.services.db.artifact.count({ where: { description: 'capped' } })).toBe(0);
    expect(await objectKeys(store, { includeInternal: true })).toEqual([]);

    const inline = await graphqlAt(trove.url, 'mutation($c: String) { createArtifact(input: { content: $c, description: "capped" }) { __typename ... on Error { code message } } }', { c: 'x'.repeat(150_000) });
    expect(inline.data.createArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('limited to 100000 bytes') });

    expect((await sendFile(50_000)).body.data.createArtifact.__typename).toBe('ArtifactPayload');
    expect(await trove.services.db.artifact.count({ where: { description: 'capped' } })).toBe(1);
  });
});
