// Direct uploads: parts go straight to S3 with presigned URLs; Trove assembles, hashes and commits them.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { objectKeys, stagingKeys } from './helpers/storage-state';
import { swiftRoot, swiftSettings } from './helpers/s3';
import { startTestTrove, type TestTrove } from './helpers/trove';

const MiB = 1024 * 1024;
const CREATE_UPLOAD = `mutation($input: CreateUploadInput) { createUpload(input: $input) {
  __typename ... on CreateUploadPayload { upload { uploadId direct partSize parts { number size url } } } ... on Error { code message } } }`;
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { artifact { uid size hash hashType storageKey } } ... on Error { code message } } }`;

async function putPart(url: string, body: Buffer): Promise<string> {
  const response = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  expect(response.status).toBe(200);
  return response.headers.get('etag')!.replaceAll('"', '');
}

describe('direct multipart uploads on s3rver (parts listed by the client)', () => {
  let trove: TestTrove;
  beforeAll(async () => {
    trove = await startTestTrove({ defaultStorage: 's3rver' });
  });
  afterAll(async () => trove?.close());

  it('assembles the parts, hashes the object like LaminDB and commits it', async () => {
    const content = randomBytes(12 * MiB + 5);
    const createUpload = (await trove.query(CREATE_UPLOAD, { input: { direct: true, size: content.length, partSize: 5 * MiB, fileName: 'cells.h5ad' } })).createUpload.upload;
    expect(createUpload).toMatchObject({ direct: true, partSize: 5 * MiB });
    expect(createUpload.parts.map((part: any) => part.size)).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 5]);
    const parts = [];
    for (const part of createUpload.parts) {
      const offset = (part.number - 1) * 5 * MiB;
      parts.push({ number: part.number, etag: await putPart(part.url, content.subarray(offset, offset + part.size)) });
    }
    const completed = await trove.query(
      `mutation($id: String!, $parts: [UploadedPartInput!]) { completeUpload(input: { uploadId: $id, parts: $parts }) { __typename ... on CompleteUploadPayload { upload { status size hash } } ... on Error { message } } }`,
      { id: createUpload.uploadId, parts },
    );
    expect(completed.completeUpload.upload).toMatchObject({ status: 'RECEIVED', size: content.length, hash: createHash('md5').update(content).digest('base64url') });
    const saved = await trove.query(CREATE, { input: { uploadId: createUpload.uploadId, key: 'cells.h5ad' } });
    expect(saved.createArtifact.artifact).toMatchObject({ size: content.length, hashType: 'md5', storageKey: `.lamindb/${saved.createArtifact.artifact.uid}.h5ad` });
    // The parts went to the key of the uid the upload reserved: the commit published them there, without a copy.
    const session = await trove.services.db.uploadSession.findUniqueOrThrow({ where: { uploadId: createUpload.uploadId } });
    expect(saved.createArtifact.artifact.uid).toBe(session.reservedUid);
    expect(session.stagingKey).toBe(saved.createArtifact.artifact.storageKey);
    const store = trove.services.stores.storeFor(trove.s3rverRoot);
    expect(await objectKeys(store)).toEqual([saved.createArtifact.artifact.storageKey]);
    expect(await stagingKeys(store)).toEqual([]);
  });

  it('refuses a direct upload on local storage and one without a size', async () => {
    const local = await trove.query(`mutation($uid: String) { createUpload(input: { direct: true, size: 10, storageUid: $uid }) { __typename ... on InvalidInput { field } } }`, {
      uid: (await trove.services.db.storage.create({ data: { uid: 'localstorage', root: `${trove.localRoot}-x`, type: 'LOCAL', createdById: trove.services.user.id } })).uid,
    });
    expect(local.createUpload).toEqual({ __typename: 'InvalidInput', field: 'input.direct' });
    const sizeless = await trove.query(`mutation { createUpload(input: { direct: true }) { __typename ... on InvalidInput { field } } }`);
    expect(sizeless.createUpload).toEqual({ __typename: 'InvalidInput', field: 'input.size' });
  });
});

describe.skipIf(!inject('swiftEndpoint'))('direct multipart uploads on OpenStack Swift (resume with ListParts)', () => {
  let trove: TestTrove;
  let root: string;
  beforeAll(async () => {
    root = await swiftRoot(`direct-${randomBytes(4).toString('hex')}`);
    trove = await startTestTrove({ s3SettingsByRoot: { [root]: swiftSettings() } });
    await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { __typename } }`, { root });
  });
  afterAll(async () => trove?.close());

  it('resumes after a dropped connection: the parts already in the bucket are listed and only the rest is sent', async () => {
    const storageUid = (await trove.services.db.storage.findUniqueOrThrow({ where: { root } })).uid;
    const content = randomBytes(11 * MiB);
    const createUpload = (await trove.query(CREATE_UPLOAD, { input: { direct: true, size: content.length, partSize: 5 * MiB, storageUid, fileName: 'big.bin' } })).createUpload.upload;
    const [first, second, third] = createUpload.parts;
    await putPart(first.url, content.subarray(0, 5 * MiB));
    await putPart(third.url, content.subarray(10 * MiB));
    // ... the connection drops; the client asks what arrived.
    const status = await trove.query(`query($id: String!) { upload(uploadId: $id) { status receivedParts { number size } } }`, { id: createUpload.uploadId });
    expect(status.upload.receivedParts.map((part: any) => part.number)).toEqual([1, 3]);
    const early = await trove.query(CREATE, { input: { uploadId: createUpload.uploadId, description: 'too early' } });
    expect(early.createArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('parts 2 of 3') });
    await putPart(second.url, content.subarray(5 * MiB, 10 * MiB));
    const saved = await trove.query(CREATE, { input: { uploadId: createUpload.uploadId, description: 'resumed' } });
    expect(saved.createArtifact.artifact).toMatchObject({ size: content.length, hash: createHash('md5').update(content).digest('base64url') });
    expect(await objectKeys(trove.services.stores.storeFor(root))).toEqual([saved.createArtifact.artifact.storageKey]);
  });
});
