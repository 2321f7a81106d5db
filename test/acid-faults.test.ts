// Seeds 000/001/003: the database never holds metadata without its data. Each fault is real (permission errors from
// Swift and s3rver, a stopped S3 server, a cut database connection), and each test checks both stores afterwards.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { replaceArtifact } from '../src/domain/artifacts/replace';
import { saveArtifact } from '../src/domain/artifacts/save';
import { SimulatedCrash } from '../src/domain/fault-points';
import { doctor } from '../src/domain/recovery/doctor';
import { sweep } from '../src/domain/recovery/sweep';
import { TroveError } from '../src/domain/errors';
import { createApiToken } from '../src/domain/tokens';
import { freePort } from '../src/db/embedded';
import { listen } from '../src/app';
import { buildCli } from '../src/cli/main';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { swiftReader, swiftRoot, swiftSettings } from './helpers/s3';
import { startTcpProxy } from './helpers/tcp-proxy';
import { S3RVER_BUCKET, s3rverCredentials, startTestTrove, type TestTrove } from './helpers/trove';
import { createS3Client, S3ObjectStore } from '../src/storage/s3-store';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { artifact { uid storageOngoing } } ... on Error { code message } ... on StorageFailed { storageCode } } }`;
const SAVE_MANY = `mutation($inputs: [CreateArtifactInput!]!, $atomic: Boolean) { saveArtifacts(input: { artifacts: $inputs, atomic: $atomic }) {
  __typename ... on SaveArtifactsPayload { results { artifact { uid } } } ... on BulkSaveFailed { code message failedIndex reasonCode savedUids rolledBack } } }`;

async function registerStorage(trove: TestTrove, root: string): Promise<string> {
  const result = await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root });
  return result.registerStorage.storage.uid;
}

describe('failed uploads leave no record (seeds 000, 001, 003)', () => {
  let trove: TestTrove;
  const badS3rverRoot = `s3://${S3RVER_BUCKET}/bad-key-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    trove = await startTestTrove({ s3SettingsByRoot: { [badS3rverRoot]: { credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'x' } } } });
  });
  afterAll(async () => trove?.close());

  it('s3rver with an unknown access key: InvalidAccessKeyId, no row, no object', async () => {
    const storageUid = await registerStorage(trove, badS3rverRoot);
    const result = await trove.query(CREATE, { input: { content: '>seq1\nACGT\n', key: 'sample.fasta', storageUid } });
    expect(result.createArtifact).toMatchObject({ __typename: 'StorageFailed', code: 'STORAGE_ERROR', storageCode: 'InvalidAccessKeyId' });
    expect(await trove.services.db.artifact.count()).toBe(0);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
    const asOwner = new S3ObjectStore(badS3rverRoot, createS3Client({ endpoint: inject('s3rverEndpoint'), credentials: s3rverCredentials }));
    expect(await objectKeys(asOwner, { includeInternal: true })).toEqual([]);
  });

  it.skipIf(!inject('swiftEndpoint'))('Swift with a user without rights: the storage says AccessDenied; nothing stays in either store', async () => {
    const root = await swiftRoot(`denied-${randomBytes(3).toString('hex')}`);
    const reader = await startTestTrove({ s3SettingsByRoot: { [root]: swiftSettings(swiftReader) } });
    try {
      const storageUid = await registerStorage(reader, root);
      const result = await reader.query(CREATE, { input: { content: '>seq1\nACGT\n', key: 'sample.fasta', storageUid } });
      expect(result.createArtifact).toMatchObject({ __typename: 'StorageFailed', storageCode: 'AccessDenied' });
      expect(result.createArtifact.message).toContain('AccessDenied');
      // A large file goes through multipart: refused the same way.
      const big = await saveArtifact(reader.services, {
        source: { kind: 'stream', body: Readable.from([randomBytes(9 * 1024 * 1024)]), fileName: 'big.bin' },
        description: 'big',
        storageUid,
      }).catch((error: unknown) => error);
      expect(big).toMatchObject({ code: 'STORAGE_ERROR', storageCode: 'AccessDenied' });
      expect(await reader.services.db.artifact.count()).toBe(0);
      const asTester = new S3ObjectStore(root, createS3Client(swiftSettings()));
      expect(await objectKeys(asTester, { includeInternal: true })).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('bulk save: one failed upload keeps the earlier ones and lists them; atomic keeps nothing', async () => {
    const badStorage = (await trove.services.db.storage.findUniqueOrThrow({ where: { root: badS3rverRoot } })).uid;
    const inputs = [
      { content: 'first', description: 'bulk 1' },
      { content: 'second', description: 'bulk 2' },
      { content: 'third', description: 'bulk 3', storageUid: badStorage },
    ];
    const kept = await trove.query(SAVE_MANY, { inputs, atomic: false });
    expect(kept.saveArtifacts).toMatchObject({ __typename: 'BulkSaveFailed', failedIndex: 2, reasonCode: 'STORAGE_ERROR', rolledBack: false });
    expect(kept.saveArtifacts.savedUids).toHaveLength(2);
    expect(kept.saveArtifacts.message).toContain(kept.saveArtifacts.savedUids[0]);
    const local = trove.services.stores.storeFor(trove.localRoot);
    expect((await objectKeys(local)).length).toBe(2);

    const atomicInputs = [{ content: 'fourth', description: 'bulk 4' }, ...inputs.slice(2)];
    const atomic = await trove.query(SAVE_MANY, { inputs: atomicInputs, atomic: true });
    expect(atomic.saveArtifacts).toMatchObject({ __typename: 'BulkSaveFailed', rolledBack: true, savedUids: [] });
    expect(await trove.services.db.artifact.count()).toBe(2);
    expect((await objectKeys(local)).length).toBe(2);
    expect(await stagingKeys(local)).toEqual([]);
  });
});

describe('killed uploads and recovery (seed 003)', () => {
  let trove: TestTrove;
  beforeAll(async () => {
    // Saves killed after their commit: new objects on local storage are staged and promoted then, as versions are.
    trove = await startTestTrove({ env: { TROVE_PUBLISH_IN_PLACE: 'false' } });
  });
  afterAll(async () => trove?.close());
  const store = () => trove.services.stores.storeFor(trove.localRoot);
  const expireLeases = () => trove.services.db.$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;

  /** A save whose process "dies" right after the commit: no promotion, no clean-up, the lease no longer renewed. */
  async function saveUntilKilled(content: string, key: string) {
    trove.services.faults.crash('protocol.afterCommit');
    await expect(saveArtifact(trove.services, { source: { kind: 'content', content }, key })).rejects.toBeInstanceOf(SimulatedCrash);
    const artifact = await trove.services.db.artifact.findFirstOrThrow({ where: { key }, orderBy: { id: 'desc' } });
    const operation = await trove.services.db.storageOperation.findFirstOrThrow({ where: { artifactId: artifact.id } });
    return { artifact, stagingKey: operation.fromKey };
  }

  it('a killed upload is visibly flagged, and saving the same content again finishes it once its lease has expired', async () => {
    const { artifact } = await saveUntilKilled('>seq1\nACGT\n', 'sample.fasta');
    const seen = await trove.query(`query($uid: String) { artifact(uid: $uid) { storageOngoing } }`, { uid: artifact.uid });
    expect(seen.artifact.storageOngoing).toBe(true);
    expect(await objectKeys(store())).toEqual([]);
    // Its lease is live: as far as anyone can know, the promotion still runs elsewhere, so a save of the same bytes waits.
    const tooSoon = await trove.query(CREATE, { input: { content: '>seq1\nACGT\n', key: 'sample.fasta' } });
    expect(tooSoon.createArtifact.artifact).toEqual({ uid: artifact.uid, storageOngoing: true });
    // The lease runs out (the process is dead): the user re-runs the script (LaminDB's re-run) and it finishes.
    await expireLeases();
    const rerun = await trove.query(CREATE, { input: { content: '>seq1\nACGT\n', key: 'sample.fasta' } });
    expect(rerun.createArtifact.artifact).toEqual({ uid: artifact.uid, storageOngoing: false });
    expect(await readObject(store(), artifact.storageKey)).toBe('>seq1\nACGT\n');
    expect(await stagingKeys(store())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });

  it('recovery finishes a killed save whose staged bytes are there, and undoes one whose bytes are lost', async () => {
    const kept = await saveUntilKilled('bytes that survived', 'kept.txt');
    const lost = await saveUntilKilled('bytes that were lost', 'lost.txt');
    await store().delete(lost.stagingKey);
    await store().put('.trove/staging/orphan-from-a-crash', Buffer.from('nobody owns me'));
    expect((await doctor(trove.services, { graceMs: 0 })).clean).toBe(false);

    // Live leases are never touched, whatever the grace period says; staged objects nobody owns are.
    const early = await sweep(trove.services, { graceMs: 0 });
    expect(early).toMatchObject({ finished: [], undone: [] });
    expect(early.objectsDeleted.some((location) => location.endsWith('orphan-from-a-crash'))).toBe(true);
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0 });
    expect(report.finished).toEqual([kept.artifact.uid]);
    expect(report.undone).toEqual([lost.artifact.uid]);
    expect(await trove.services.db.artifact.findUnique({ where: { uid: lost.artifact.uid } })).toBeNull();
    expect(await readObject(store(), kept.artifact.storageKey)).toBe('bytes that survived');
    expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
  });

  it('an interrupted replace is undone to the previous content when the new bytes are lost', async () => {
    const original = await saveArtifact(trove.services, { source: { kind: 'content', content: 'version one' }, key: 'doc.txt' });
    const row = original.artifact;
    trove.services.faults.crash('protocol.afterCommit');
    await expect(replaceArtifact(trove.services, { uid: row.uid, source: { kind: 'content', content: 'version two, lost' } })).rejects.toBeInstanceOf(SimulatedCrash);
    const operation = await trove.services.db.storageOperation.findFirstOrThrow({ where: { artifactId: row.id } });
    await store().delete(operation.fromKey);
    await expireLeases();
    const report = await sweep(trove.services, { graceMs: 0 });
    expect(report.undone).toEqual([row.uid]);
    expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ hash: row.hash, size: row.size, storageOngoing: false });
    expect(await readObject(store(), row.storageKey)).toBe('version one');
    expect((await doctor(trove.services, { graceMs: 0, deep: true })).clean).toBe(true);
  });
});

describe('the doctor', () => {
  let trove: TestTrove;
  let adminToken: string;
  let writeToken: string;
  beforeAll(async () => {
    trove = await startTestTrove();
    adminToken = (await createApiToken(trove.services.db, { role: 'ADMIN', userHandle: 'ada' })).secret;
    writeToken = (await createApiToken(trove.services.db, { role: 'WRITE', userHandle: 'wes' })).secret;
    trove.gateway.authenticator.tokensChanged();
  });
  afterAll(async () => trove?.close());

  it('reports rows without objects, unowned objects, size and hash mismatches; admin only over GraphQL', async () => {
    const store = trove.services.stores.storeFor(trove.localRoot);
    const save = (content: string) => saveArtifact(trove.services, { source: { kind: 'content', content }, description: content });
    const missing = (await save('will lose its object')).artifact;
    const truncated = (await save('will be truncated')).artifact;
    const altered = (await save('will be altered!!')).artifact;
    await store.delete(missing.storageKey);
    await store.put(truncated.storageKey, Buffer.from('short'));
    await store.put(altered.storageKey, Buffer.from('WILL BE ALTERED!!'));
    await store.put('.lamindb/AAAAAAAAAAAAAAAA0000.txt', Buffer.from('unowned'));

    const report = await doctor(trove.services, { graceMs: 0, deep: true });
    expect(report.rowsWithoutObjects.map((finding) => finding.uid)).toEqual([missing.uid]);
    expect(report.sizeMismatches.map((finding) => finding.uid)).toEqual([truncated.uid]);
    expect(report.hashMismatches.map((finding) => finding.uid)).toEqual([altered.uid]);
    expect(report.objectsWithoutRows.map((finding) => finding.key)).toEqual(['.lamindb/AAAAAAAAAAAAAAAA0000.txt']);
    expect(report.clean).toBe(false);

    // Tokens exist, so anonymous requests have no role; a write token is not enough.
    const anonymous = await trove.graphql(`{ doctor { clean } }`);
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', neededRole: 'admin' });
    const asWriter = await trove.graphql(`{ doctor { clean } }`, {}, { token: writeToken });
    expect(asWriter.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', neededRole: 'admin' }, message: 'this operation needs the admin role; your token has the write role' });
    const body = await trove.graphql(`{ doctor(graceSeconds: 0) { clean rowsWithoutObjects { uid } objectsWithoutRows { key } } }`, {}, { token: adminToken });
    expect(body.data.doctor).toEqual({ clean: false, rowsWithoutObjects: [{ uid: missing.uid }], objectsWithoutRows: [{ key: '.lamindb/AAAAAAAAAAAAAAAA0000.txt' }] });
  });

  it('`trove doctor --repair` runs the sweep and reports what it leaves to a person (exit code 1 while not clean)', async () => {
    const { server, url } = await listen(trove, 0, '127.0.0.1');
    try {
      const lines: string[] = [];
      const cli = (...args: string[]) => buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', url, '--token', adminToken, ...args]);
      await cli('doctor', '--repair', '--grace', '0');
      expect(lines[0]).toBe('repair: 0 finished, 0 undone, 0 objects deleted, 0 errors');
      expect(lines.join('\n')).toContain('rowsWithoutObjects');
      // Objects under .lamindb/ that no row owns are reported, never deleted automatically: a person decides.
      expect(lines.join('\n')).toContain('objectsWithoutRows: ' + trove.localRoot + '/.lamindb/AAAAAAAAAAAAAAAA0000.txt');
      expect(lines.at(-1)).toBe('NOT clean');
      expect(process.exitCode).toBe(1);
      process.exitCode = 0;
    } finally {
      server.close();
    }
  });
});

/** An s3rver with bucket "flaky" that can be stopped and started again on the same port and data. */
async function restartableS3rver() {
  const port = await freePort();
  const directory = path.join(tmpdir(), `trove-flaky-s3-${randomBytes(4).toString('hex')}`);
  const start = async () => {
    const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'flaky' }] });
    await server.run();
    return server;
  };
  return { port, start };
}

describe('infrastructure faults', () => {
  it('the S3 server stops mid-upload: a typed error, no row; after it is back the sweep leaves both stores clean', async () => {
    const { port, start } = await restartableS3rver();
    let s3 = await start();
    const root = 's3://flaky/trove';
    const trove = await startTestTrove({ s3SettingsByRoot: { [root]: { endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } } });
    try {
      const storageUid = await registerStorage(trove, root);
      let sent = 0;
      const body = new Readable({
        read() {
          sent += 1;
          if (sent === 3) void s3.close();
          if (sent > 6) return void this.push(null);
          setTimeout(() => this.push(randomBytes(4 * 1024 * 1024)), 50);
        },
      });
      const failure = await saveArtifact(trove.services, { source: { kind: 'stream', body, fileName: 'big.bin' }, description: 'mid-upload', storageUid }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TroveError);
      expect((failure as TroveError).code).toBe('STORAGE_ERROR');
      expect(await trove.services.db.artifact.count()).toBe(0);

      s3 = await start();
      await sweep(trove.services, { graceMs: 0 });
      expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
      expect(await objectKeys(trove.services.stores.storeFor(root), { includeInternal: true })).toEqual([]);
    } finally {
      await trove.close();
      await s3.close();
    }
  });

  it('PostgreSQL unreachable at commit: a typed error, the staged bytes are removed, nothing is recorded', async () => {
    const postgresPort = Number(new URL(inject('postgresUrl')).port);
    const proxy = await startTcpProxy(postgresPort);
    const trove = await startTestTrove({
      rewriteDatabaseUrl: (url) => {
        const rewritten = new URL(url);
        rewritten.port = String(proxy.port);
        return rewritten.toString();
      },
    });
    try {
      let chunks = 0;
      const body = new Readable({
        read() {
          chunks += 1;
          if (chunks === 2) proxy.cut(); // the database goes away while the bytes are being staged
          if (chunks > 3) return void this.push(null);
          setTimeout(() => this.push(Buffer.from(`chunk ${chunks}\n`)), 20);
        },
      });
      const failure = await saveArtifact(trove.services, { source: { kind: 'stream', body, fileName: 'x.txt' }, description: 'db down' }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'DATABASE_ERROR' });
      expect((failure as Error).message).toContain('nothing was saved');
      proxy.restore();
      expect(await trove.services.db.artifact.count()).toBe(0);
      expect(await objectKeys(trove.services.stores.storeFor(trove.localRoot), { includeInternal: true })).toEqual([]);
    } finally {
      proxy.restore();
      await trove.close();
      await proxy.close();
    }
  });

  it('storage deletion failing after a permanent delete: the record is gone, the deletion stays owed and recovery completes it', async () => {
    const { port, start } = await restartableS3rver();
    let s3 = await start();
    const root = 's3://flaky/deletes';
    const trove = await startTestTrove({ s3SettingsByRoot: { [root]: { endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } } });
    try {
      const storageUid = await registerStorage(trove, root);
      const saved = await saveArtifact(trove.services, { source: { kind: 'content', content: 'to be deleted' }, description: 'x', storageUid });
      await s3.close();
      const result = await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { ... on DeleteArtifactPayload { objectDeleted warnings } } }`, { uid: saved.artifact.uid });
      expect(result.deleteArtifact.objectDeleted).toBe(false);
      expect(result.deleteArtifact.warnings.join()).toContain('recovery will retry');
      expect(await trove.services.db.artifact.count()).toBe(0);
      expect(await trove.services.db.storageOperation.count()).toBe(1);

      s3 = await start();
      const report = await sweep(trove.services, { graceMs: 0 });
      expect(report.objectsDeleted).toEqual([`${root}/${saved.artifact.storageKey}`]);
      expect(await objectKeys(trove.services.stores.storeFor(root), { includeInternal: true })).toEqual([]);
      expect(await doctor(trove.services, { graceMs: 0 })).toMatchObject({ clean: true });
    } finally {
      await trove.close();
      await s3.close();
    }
  });
});
