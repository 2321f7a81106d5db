// One write per byte on S3: an upload's bytes go straight to the key their artifact will have (its uid reserved
// when the bytes arrive), recorded as owed work before the first byte is sent, and the commit only writes rows.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../src/domain/artifacts/save';
import { receiveUpload } from '../src/domain/artifacts/uploads';
import { SimulatedCrash } from '../src/domain/fault-points';
import { sweep } from '../src/domain/recovery/sweep';
import type { S3ObjectStore } from '../src/storage/s3-store';
import { rawRequest } from './helpers/raw-http';
import { objectKeys, readObjectBytes } from './helpers/storage-state';
import { expectStoresAgree } from './helpers/stores-agree';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64url');
const CREATE_UPLOAD = `mutation($input: CreateUploadInput) { createUpload(input: $input) { ... on CreateUploadPayload { upload { uploadId } } } }`;
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created warnings artifact { uid hash storageKey storageOngoing } } ... on Error { code message } } }`;

describe('S3 uploads are written once, at their final key', () => {
  let trove: TestTrove & { url: string };
  const db = () => trove.services.db;
  const store = () => trove.services.stores.storeFor(trove.s3rverRoot) as S3ObjectStore;
  /** The S3 commands the store sends while `work` runs. */
  async function commandsDuring<T>(work: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const commands: string[] = [];
    const name = `record-${randomBytes(4).toString('hex')}`;
    store().client.middlewareStack.add((next, context) => (args) => (commands.push(context.commandName as string), next(args)), { step: 'initialize', name });
    try {
      return { result: await work(), commands };
    } finally {
      store().client.middlewareStack.remove(name);
    }
  }
  async function upload(content: Buffer, fileName: string): Promise<string> {
    const uploadId = (await trove.query(CREATE_UPLOAD, { input: { size: content.length, fileName } })).createUpload.upload.uploadId;
    const put = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${uploadId}`, body: content });
    expect(put.status, put.body).toBe(200);
    return uploadId;
  }
  const bothStoresAgree = () => expectStoresAgree(trove.services, store());

  beforeAll(async () => {
    trove = await startListeningTrove({ defaultStorage: 's3rver', env: { TROVE_LEASE_SECONDS: '60' } });
  });
  afterAll(async () => trove?.close());

  it('puts the bytes at the key of the uid the upload reserves, and commits rows only (no copy, no staging object)', async () => {
    const content = randomBytes(300_000);
    const { result: uploadId, commands: uploadCommands } = await commandsDuring(() => upload(content, 'cells.h5ad'));
    const session = await db().uploadSession.findUniqueOrThrow({ where: { uploadId } });
    expect(session.reservedUid).toMatch(/^[A-Za-z0-9]{16}0000$/);
    expect(session.stagingKey).toBe(`.lamindb/${session.reservedUid}.h5ad`);
    expect(uploadCommands).toContain('PutObjectCommand');
    expect(await db().storageOperation.count()).toBe(0); // the intent went with the session's update

    const { result, commands } = await commandsDuring(() => trove.query(CREATE, { input: { uploadId, key: 'screens/cells.h5ad' } }));
    const artifact = result.createArtifact.artifact;
    expect(artifact).toMatchObject({ uid: session.reservedUid, storageKey: session.stagingKey, hash: md5(content), storageOngoing: false });
    expect(commands).toEqual(['HeadObjectCommand']); // the check that the bytes are still those hashed; nothing written
    expect(await objectKeys(store())).toContain(artifact.storageKey);
    expect((await readObjectBytes(store(), artifact.storageKey)).equals(content)).toBe(true);
    expect((await db().artifact.findUniqueOrThrow({ where: { uid: artifact.uid } })).storageOngoing).toBe(false);
    await bothStoresAgree();
  });

  it('a second upload of stored content returns the artifact and deletes its own object with the commit', async () => {
    const content = randomBytes(50_000);
    const first = (await trove.query(CREATE, { input: { uploadId: await upload(content, 'a.bin'), description: 'first' } })).createArtifact.artifact;
    const before = await objectKeys(store());
    const secondId = await upload(content, 'a.bin');
    const secondKey = (await db().uploadSession.findUniqueOrThrow({ where: { uploadId: secondId } })).stagingKey;
    expect(await objectKeys(store())).toContain(secondKey);
    const second = (await trove.query(CREATE, { input: { uploadId: secondId, description: 'second' } })).createArtifact;
    expect(second).toMatchObject({ created: false, artifact: { uid: first.uid } });
    expect(await objectKeys(store())).toEqual(before);
    await bothStoresAgree();
  });

  it('a new version or a changed suffix cannot use the reserved key: the bytes are promoted from it as before', async () => {
    const first = (await trove.query(CREATE, { input: { uploadId: await upload(randomBytes(1000), 'v.csv'), key: 'tables/v.csv' } })).createArtifact.artifact;
    const next = randomBytes(1000);
    const uploadId = await upload(next, 'v.csv');
    const reserved = (await db().uploadSession.findUniqueOrThrow({ where: { uploadId } })).stagingKey;
    const second = (await trove.query(CREATE, { input: { uploadId, key: 'tables/v.csv' } })).createArtifact.artifact;
    expect(second.uid).toBe(`${first.uid.slice(0, 16)}0001`);
    expect(second.storageKey).toBe(`.lamindb/${second.uid}.csv`);
    expect((await readObjectBytes(store(), second.storageKey)).equals(next)).toBe(true);
    expect(await objectKeys(store())).not.toContain(reserved);
    await bothStoresAgree();
  });

  it('an upload that dies after its bytes arrived leaves owed work that recovery finishes by deleting them', async () => {
    trove.services.faults.crash('upload.afterStage', { times: 1 });
    const content = randomBytes(20_000);
    const uploadId = (await trove.query(CREATE_UPLOAD, { input: { size: content.length, fileName: 'lost.bin' } })).createUpload.upload.uploadId;
    await expect(receiveUpload(trove.services, uploadId, Readable.from([content]), { contentLength: content.length })).rejects.toBeInstanceOf(SimulatedCrash);
    const [intent] = await db().storageOperation.findMany();
    expect(intent).toMatchObject({ kind: 'DELETE', artifactId: null, fromKey: expect.stringMatching(/^\.lamindb\/[A-Za-z0-9]{20}\.bin$/) });
    expect(await objectKeys(store())).toContain(intent!.fromKey);
    expect((await db().uploadSession.findUniqueOrThrow({ where: { uploadId } })).status).toBe('OPEN');
    // A live lease is left alone; once it runs out, recovery deletes what arrived.
    expect((await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).objectsDeleted).toEqual([]);
    await db().$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
    const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(report.objectsDeleted).toEqual([store().locationOf(intent!.fromKey)]);
    expect(await objectKeys(store())).not.toContain(intent!.fromKey);
    await bothStoresAgree();
  });

  it('an upload sent again replaces the object the session held, with the deletion owed in the same transaction', async () => {
    const uploadId = await upload(Buffer.from('first bytes'), 'again.txt');
    const firstKey = (await db().uploadSession.findUniqueOrThrow({ where: { uploadId } })).stagingKey;
    const put = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${uploadId}`, body: 'other bytes' });
    expect(put.status).toBe(200);
    const session = await db().uploadSession.findUniqueOrThrow({ where: { uploadId } });
    expect(session.stagingKey).not.toBe(firstKey);
    expect(await objectKeys(store())).not.toContain(firstKey);
    const saved = (await trove.query(CREATE, { input: { uploadId, description: 'sent twice' } })).createArtifact.artifact;
    expect(saved).toMatchObject({ uid: session.reservedUid, storageKey: session.stagingKey });
    expect((await readObjectBytes(store(), saved.storageKey)).toString()).toBe('other bytes');
    await bothStoresAgree();
  });

  it('a commit killed before it deleted an unused upload object leaves that deletion to recovery', async () => {
    const content = randomBytes(10_000);
    const first = (await trove.query(CREATE, { input: { uploadId: await upload(content, 'd.bin'), description: 'kept' } })).createArtifact.artifact;
    const uploadId = await upload(content, 'd.bin');
    const unused = (await db().uploadSession.findUniqueOrThrow({ where: { uploadId } })).stagingKey;
    trove.services.faults.crash('protocol.beforeDelete', { times: 1 });
    await expect(saveArtifact(trove.services, { source: { kind: 'upload', uploadId }, description: 'kept' })).rejects.toBeInstanceOf(SimulatedCrash);
    expect((await db().uploadSession.findUniqueOrThrow({ where: { uploadId } })).status).toBe('COMMITTED');
    expect(await objectKeys(store())).toContain(unused);
    await db().$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
    await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    expect(await objectKeys(store())).not.toContain(unused);
    expect(await db().artifact.count({ where: { hash: first.hash } })).toBe(1);
    await bothStoresAgree();
  });
});
