// The holes a lab would meet in its first months, each reached at its exact window with a named fault point
// (domain/fault-points.ts), on local storage and on S3 (s3rver), checking both stores afterwards.
import { createHash, randomBytes } from 'node:crypto';
import { stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import contentDisposition from 'content-disposition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { saveArtifact } from '../src/domain/artifacts/save';
import { StorageFailedError } from '../src/domain/errors';
import { SimulatedCrash } from '../src/domain/fault-points';
import { doctor } from '../src/domain/recovery/doctor';
import { sweep } from '../src/domain/recovery/sweep';
import { partSizeFor, type S3ObjectStore } from '../src/storage/s3-store';
import { rawRequest } from './helpers/raw-http';
import { swiftRoot, swiftSettings } from './helpers/s3';
import { objectKeys, readObject, readObjectBytes, stagingKeys } from './helpers/storage-state';
import { expectStoresAgree } from './helpers/stores-agree';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const MiB = 1024 * 1024;
const md5 = (bytes: string | Buffer) => createHash('md5').update(bytes).digest('base64url');
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created warnings artifact { uid hash storageKey storageOngoing downloadUrl } } ... on Error { code message } ... on StorageFailed { storageCode } } }`;
const SAVE_MANY = `mutation($inputs: [CreateArtifactInput!]!, $atomic: Boolean) { saveArtifacts(input: { artifacts: $inputs, atomic: $atomic }) {
  __typename ... on BulkSaveFailed { rolledBack reasonCode } ... on SaveArtifactsPayload { results { artifact { uid } } } } }`;
const REPLACE = `mutation($input: ReplaceArtifactInput!) { replaceArtifact(input: $input) {
  __typename ... on ArtifactPayload { artifact { uid hash } } ... on Error { code message } } }`;
const DELETE = `mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true, deleteStorage: true }) {
  __typename ... on DeleteArtifactPayload { objectDeleted warnings } ... on Error { code message } } }`;

describe.each(['local', 's3rver'] as const)('data safety on %s storage', (backend) => {
  let trove: TestTrove & { url: string };
  const store = () => trove.services.stores.storeFor(backend === 'local' ? trove.localRoot : trove.s3rverRoot);
  const db = () => trove.services.db;
  const expireLeases = () => db().$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
  beforeAll(async () => {
    // A long lease: no renewal happens inside a test's window unless the test says so. These tests pause and kill
    // promotions: new objects on local storage are staged and promoted after the commit, as versions are.
    trove = await startListeningTrove({ defaultStorage: backend, env: { TROVE_LEASE_SECONDS: '60', TROVE_PUBLISH_IN_PLACE: 'false' } });
  });
  afterAll(async () => trove?.close());

  const bothStoresAgree = () => expectStoresAgree(trove.services, store());

  it('never issues the uid of a version deleted while a new version under its key was being committed', async () => {
    const first = (await trove.query(CREATE, { input: { content: 'version one', key: 'race/v.txt' } })).createArtifact.artifact;
    const paused = trove.services.faults.pause('save.beforeVersion', (detail) => detail.key === 'race/v.txt');
    const saving = trove.query(CREATE, { input: { content: 'version two', key: 'race/v.txt' } });
    expect(await paused.reached).toMatchObject({ uid: first.uid });
    // The commit saw version one; a permanent delete of it goes through before the next uid is issued.
    expect((await trove.query(DELETE, { uid: first.uid })).deleteArtifact).toMatchObject({ __typename: 'DeleteArtifactPayload', objectDeleted: true });
    paused.release();
    const second = (await saving).createArtifact.artifact;
    expect(second.uid).not.toBe(first.uid);
    expect(second.uid).toBe(`${first.uid.slice(0, 16)}0001`);
    expect(await readObject(store(), second.storageKey)).toBe('version two');
    expect((await trove.query(DELETE, { uid: second.uid })).deleteArtifact).toMatchObject({ objectDeleted: true });
    await bothStoresAgree();
  });

  it("an atomic bulk rollback removes what Trove wrote and never the user's own file registered in place", async () => {
    await store().put('lab/notes.txt', Buffer.from('my own notes'));
    trove.services.faults.fail('save.afterStage', () => new StorageFailedError('Injected', 'the storage failed (injected)'), { when: (detail) => detail.key === 'c/fail.txt' });
    const result = await trove.query(SAVE_MANY, {
      atomic: true,
      inputs: [{ path: store().locationOf('lab/notes.txt'), description: 'notes' }, { content: 'bytes Trove writes', key: 'c/written.txt' }, { content: 'never saved', key: 'c/fail.txt' }],
    });
    expect(result.saveArtifacts).toEqual({ __typename: 'BulkSaveFailed', rolledBack: true, reasonCode: 'STORAGE_ERROR' });
    expect(await db().artifact.count()).toBe(0);
    expect(await readObject(store(), 'lab/notes.txt')).toBe('my own notes');
    expect(await objectKeys(store(), { includeInternal: true })).toEqual(['lab/notes.txt']);
    await store().delete('lab/notes.txt');
  });

  it('a permanent delete during a promotion is refused with a typed error, and works once the bytes are in place', async () => {
    const paused = trove.services.faults.pause('protocol.beforeMove');
    const saving = trove.query(CREATE, { input: { content: 'racing bytes', key: 'race/a.txt' } });
    await paused.reached;
    const row = await db().artifact.findFirstOrThrow({ where: { key: 'race/a.txt' } });
    expect(row.storageOngoing).toBe(true);
    const refused = (await trove.query(DELETE, { uid: row.uid })).deleteArtifact;
    expect(refused).toMatchObject({ __typename: 'StorageBusy', code: 'STORAGE_BUSY' });
    paused.release();
    expect((await saving).createArtifact).toMatchObject({ __typename: 'ArtifactPayload', artifact: { uid: row.uid, storageOngoing: false } });
    expect((await trove.query(DELETE, { uid: row.uid })).deleteArtifact).toMatchObject({ objectDeleted: true });
    expect(await objectKeys(store(), { includeInternal: true })).toEqual([]);
    await bothStoresAgree();
  });

  it('a replace whose artifact is deleted while its bytes are staged answers NotFound and leaves no bytes', async () => {
    const original = (await trove.query(CREATE, { input: { content: 'about to be deleted', key: 'race/r.txt' } })).createArtifact.artifact;
    const paused = trove.services.faults.pause('save.afterStage', (detail) => detail.uid === original.uid);
    const replacing = trove.query(REPLACE, { input: { uid: original.uid, content: 'a replacement too late' } });
    await paused.reached;
    expect((await trove.query(DELETE, { uid: original.uid })).deleteArtifact).toMatchObject({ __typename: 'DeleteArtifactPayload', objectDeleted: true });
    paused.release();
    expect((await replacing).replaceArtifact).toEqual({ __typename: 'NotFound', code: 'NOT_FOUND', message: `no artifact with uid ${original.uid}` });
    expect(await db().artifact.count({ where: { uid: original.uid } })).toBe(0);
    expect(await objectKeys(store(), { includeInternal: true })).toEqual([]);
    await bothStoresAgree();
  });

  it('a permanent delete takes over a promotion that died after its move and leaves no orphan', async () => {
    trove.services.faults.crash('protocol.afterMove');
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'moved, then died' }, key: 'race/b.txt' })).rejects.toBeInstanceOf(SimulatedCrash);
    const row = await db().artifact.findFirstOrThrow({ where: { key: 'race/b.txt' } });
    expect(await objectKeys(store())).toEqual([row.storageKey]);
    // Live lease: refused. Expired lease (the process is dead): the delete takes the work over.
    expect((await trove.query(DELETE, { uid: row.uid })).deleteArtifact.__typename).toBe('StorageBusy');
    await expireLeases();
    expect((await trove.query(DELETE, { uid: row.uid })).deleteArtifact).toMatchObject({ __typename: 'DeleteArtifactPayload', objectDeleted: true });
    expect(await objectKeys(store(), { includeInternal: true })).toEqual([]);
    await bothStoresAgree();
  });

  it('a promotion that outlived its lease and was taken over answers a typed error, not "Unexpected error."', async () => {
    const paused = trove.services.faults.pause('protocol.afterMove');
    const saving = trove.query(CREATE, { input: { content: 'slow mover', key: 'race/c.txt' } });
    await paused.reached;
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0, onlyOwedWork: true });
    const row = await db().artifact.findFirstOrThrow({ where: { key: 'race/c.txt' } });
    expect(report.finished).toEqual([row.uid]);
    paused.release();
    expect((await saving).createArtifact).toMatchObject({ __typename: 'LeaseLost', code: 'LEASE_LOST' });
    expect(await readObject(store(), row.storageKey)).toBe('slow mover');
    await bothStoresAgree();
  });

  it('an upload sent again while it is committed keeps the committed bytes, and a committed upload cannot be committed again', async () => {
    const created = await trove.query(`mutation { createUpload(input: { size: 5, fileName: "u.txt" }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    const uploadPath = `/uploads/${created.createUpload.upload.uploadId}`;
    expect((await rawRequest(trove.url, { method: 'PUT', path: uploadPath, body: 'aaaaa' })).status).toBe(200);
    // On local storage the commit's promotion is paused; on S3 the bytes are at their key already (no promotion).
    const paused = backend === 'local' ? trove.services.faults.pause('protocol.beforeMove') : undefined;
    const committing = trove.query(CREATE, { input: { uploadId: created.createUpload.upload.uploadId, key: 'uploads/u.txt' } });
    await (paused ? paused.reached : committing);
    const again = await rawRequest(trove.url, { method: 'PUT', path: uploadPath, body: 'bbbbb' });
    expect(again.status).toBe(400);
    expect(again.json().message).toContain('was already committed');
    paused?.release();
    const saved = (await committing).createArtifact;
    expect(saved.artifact.hash).toBe(md5('aaaaa'));
    expect(await readObject(store(), saved.artifact.storageKey)).toBe('aaaaa');
    const twice = await trove.query(CREATE, { input: { uploadId: created.createUpload.upload.uploadId, key: 'uploads/u2.txt' } });
    expect(twice.createArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('already committed') });

    // Bytes that arrive while the commit runs (staged, not yet switched to) are dropped once the commit is done.
    const second = await trove.query(`mutation { createUpload(input: { size: 5, fileName: "v.txt" }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    const secondPath = `/uploads/${second.createUpload.upload.uploadId}`;
    expect((await rawRequest(trove.url, { method: 'PUT', path: secondPath, body: 'ccccc' })).status).toBe(200);
    const staged = trove.services.faults.pause('upload.afterStage');
    const late = rawRequest(trove.url, { method: 'PUT', path: secondPath, body: 'ddddd' });
    await staged.reached;
    const committed = (await trove.query(CREATE, { input: { uploadId: second.createUpload.upload.uploadId, key: 'uploads/v.txt' } })).createArtifact;
    staged.release();
    const lateAnswer = await late;
    expect(lateAnswer.status).toBe(400);
    expect(lateAnswer.json().message).toContain('was committed while these bytes arrived');
    expect(await readObject(store(), committed.artifact.storageKey)).toBe('ccccc');
    await bothStoresAgree();
  });

  it('a staged object changed after it was hashed is never published', async () => {
    const before = await db().artifact.count();
    const paused = trove.services.faults.pause('protocol.beforeMove');
    const saving = trove.query(CREATE, { input: { content: 'original!', key: 'tamper/t.txt' } });
    await paused.reached;
    const operation = await db().storageOperation.findFirstOrThrow({ where: { kind: 'PROMOTE', artifact: { key: 'tamper/t.txt' } } });
    // Someone rewrites the staged bytes, keeping the size (and, on local storage, the next second's mtime).
    await store().put(operation.fromKey, Buffer.from('tampered!'));
    if (backend === 'local') {
      const file = path.join(trove.localRoot, operation.fromKey);
      const { mtime } = await stat(file);
      await utimes(file, mtime, new Date(mtime.getTime() + 2000));
    }
    paused.release();
    expect((await saving).createArtifact).toMatchObject({ __typename: 'StorageFailed', storageCode: 'ContentChanged' });
    expect(await db().artifact.count()).toBe(before);
    expect(await objectKeys(store())).not.toContain(expect.stringMatching(/^tamper/));
    await bothStoresAgree();
  });

  it('downloads keys outside Latin-1 with a standard Content-Disposition, and refuses control characters in keys', async () => {
    expect(contentDisposition('データ.csv')).toContain("filename*=UTF-8''%E3%83%87%E3%83%BC%E3%82%BF.csv");
    for (const key of ['日本語/データ.csv', 'résumés/café.txt']) {
      const saved = (await trove.query(CREATE, { input: { content: `a,b\n${key}\n`, key } })).createArtifact;
      const url = new URL(saved.artifact.downloadUrl);
      const download = backend === 'local' ? await rawRequest(trove.url, { path: url.pathname + url.search }) : await fetch(url).then(async (response) => ({ status: response.status, body: await response.text(), headers: {} as Record<string, string> }));
      expect(download.status).toBe(200);
      expect(download.body).toBe(`a,b\n${key}\n`);
      // RFC 6266: Latin-1 names as they are, others as UTF-8 in filename* beside an ASCII fallback.
      if (backend === 'local') expect(download.headers['content-disposition']).toBe(contentDisposition(key.split('/').pop()!));
    }
    const refused = await trove.query(CREATE, { input: { content: 'x', key: 'line\nbreak.txt' } });
    expect(refused.createArtifact).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('control character') });
  });

  it('never overwrites a file at a real key that no artifact owns', async () => {
    await store().put('mine/data.csv', Buffer.from('not yours'));
    const refused = await trove.query(CREATE, { input: { content: 'a,b\n', key: 'mine/data.csv', keyIsVirtual: false } });
    expect(refused.createArtifact).toMatchObject({ __typename: 'FileExists', code: 'FILE_EXISTS' });
    expect(await readObject(store(), 'mine/data.csv')).toBe('not yours');
    await store().delete('mine/data.csv');
  });
});

describe('leases', () => {
  let trove: TestTrove & { url: string };
  const db = () => trove.services.db;
  beforeAll(async () => {
    trove = await startListeningTrove({ env: { TROVE_LEASE_SECONDS: '0.3', TROVE_RECOVERY_POLL_SECONDS: '0.1', TROVE_PUBLISH_IN_PLACE: 'false' } });
  });
  afterAll(async () => trove?.close());

  /** Resolves once the lease of the only owed work has been renewed `times` more times. */
  async function renewals(times: number): Promise<void> {
    let seen = (await db().storageOperation.findFirstOrThrow()).leaseExpiresAt!.getTime();
    for (let renewed = 0; renewed < times; ) {
      const now = (await db().storageOperation.findFirstOrThrow()).leaseExpiresAt!.getTime();
      if (now > seen) {
        renewed++;
        seen = now;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('never undoes a live promotion, however long it takes, and never lets a re-save take it over', async () => {
    const paused = trove.services.faults.pause('protocol.beforeMove');
    const saving = trove.query(CREATE, { input: { content: 'a slow copy', key: 'slow/copy.txt' } });
    await paused.reached;
    await renewals(5); // five lease periods and more: a clock rule would have given up on it
    expect(await sweep(trove.services, { graceMs: 0 })).toMatchObject({ finished: [], undone: [] });
    const resave = await trove.query(CREATE, { input: { content: 'a slow copy', key: 'slow/copy.txt' } });
    expect(resave.createArtifact.warnings.join(' ')).toContain('being stored by another request');
    paused.release();
    expect((await saving).createArtifact.artifact.storageOngoing).toBe(false);
    expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
  });

  it('finishes a killed save by itself within moments of its lease expiring, and a re-save finishes one at once', async () => {
    trove.services.faults.crash('protocol.afterCommit');
    const killedAt = Date.now();
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'left by a dead process' }, key: 'killed/a.txt' })).rejects.toBeInstanceOf(SimulatedCrash);
    let row = await db().artifact.findFirstOrThrow({ where: { key: 'killed/a.txt' } });
    while (row.storageOngoing) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = await db().artifact.findFirstOrThrow({ where: { id: row.id } });
    }
    console.log(`recovery finished a killed save ${Date.now() - killedAt} ms after the kill (lease 300 ms, poll 100 ms)`);

    trove.services.faults.crash('protocol.afterCommit');
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content: 'saved again by its user' }, key: 'killed/b.txt' })).rejects.toBeInstanceOf(SimulatedCrash);
    const killedAgainAt = Date.now();
    let finished = false;
    while (!finished) {
      const again = await trove.query(CREATE, { input: { content: 'saved again by its user', key: 'killed/b.txt' } });
      finished = again.createArtifact.artifact.storageOngoing === false;
    }
    console.log(`a re-save finished a killed save ${Date.now() - killedAgainAt} ms after the kill`);
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
  });
});

describe('objects above the single-request limit of S3', () => {
  it('sizes parts so that 10,000 of them hold any object', () => {
    expect(partSizeFor(100 * 1024 * MiB, 16 * MiB)).toBe(16 * MiB);
    const fiveTiB = 5 * 1024 * 1024 * MiB;
    expect(partSizeFor(fiveTiB, 16 * MiB) * 10_000).toBeGreaterThanOrEqual(fiveTiB);
  });

  const servers = [['s3rver (no UploadPartCopy: copied through Trove in parts)', false] as const, ['Swift (UploadPartCopy)', true] as const];
  it.each(servers)('stages in parts and promotes with a multipart copy on %s', async (_name, swift) => {
    if (swift && !inject('swiftEndpoint')) return void console.log(`skipped: ${inject('swiftSkipReason')}`);
    const root = swift ? await swiftRoot(`copy-${randomBytes(3).toString('hex')}`) : undefined;
    const trove = await startListeningTrove({
      defaultStorage: 's3rver',
      // 1 MiB stands in for S3's 5 GiB: these objects take the multipart paths of objects above 5 GiB.
      env: { TROVE_S3_MAX_SINGLE_BYTES: String(MiB), TROVE_S3_PART_BYTES: String(5 * MiB) },
      s3SettingsByRoot: root ? { [root]: swiftSettings() } : undefined,
    });
    try {
      let storageUid: string | undefined;
      if (root) storageUid = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root })).registerStorage.storage.uid;
      await trove.query(CREATE, { input: { content: 'first version', key: 'big.bin', storageUid } });
      // What the S3 client sends, to see which paths the bytes took.
      const store = trove.services.stores.storeFor(root ?? trove.s3rverRoot) as S3ObjectStore;
      const commands: string[] = [];
      store.client.middlewareStack.add((next, context) => (args) => {
        commands.push(context.commandName as string);
        return next(args);
      }, { step: 'initialize' });
      const content = randomBytes(12 * MiB + 7);
      const created = await trove.query(`mutation($input: CreateUploadInput) { createUpload(input: $input) { ... on CreateUploadPayload { upload { uploadId } } } }`, { input: { size: content.length, fileName: 'big.bin', storageUid } });
      const put = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${created.createUpload.upload.uploadId}`, body: content });
      expect(put.status, put.body).toBe(200);
      // A new version of a key: its uid is the next version's, not the one the upload reserved, so it is promoted.
      const saved = (await trove.query(CREATE, { input: { uploadId: created.createUpload.upload.uploadId, key: 'big.bin' } })).createArtifact;
      expect(saved.artifact.hash).toBe(md5(content));
      expect((await readObjectBytes(store, saved.artifact.storageKey)).equals(content)).toBe(true);
      // Staged in parts, promoted in parts; never a single PutObject or CopyObject of the whole object.
      expect(commands).not.toContain('PutObjectCommand');
      expect(commands).not.toContain('CopyObjectCommand');
      expect(commands.filter((command) => command === 'CompleteMultipartUploadCommand')).toHaveLength(2);
      if (swift) {
        expect(commands).toContain('UploadPartCopyCommand');
        expect((await store.head(saved.artifact.storageKey))?.etag).toMatch(/-3$/); // assembled from three 5 MiB parts
      }
      expect(await stagingKeys(store)).toEqual([]);
    } finally {
      await trove.close();
    }
  });
});
