// Concurrent saves at READ COMMITTED, serialised by advisory locks: one record per content, one latest version,
// consistent outcomes of racing replace and delete, also across two server processes on one database.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteArtifact } from '../src/domain/artifacts/delete';
import { replaceArtifact } from '../src/domain/artifacts/replace';
import { saveArtifact } from '../src/domain/artifacts/save';
import { NotFoundError, StorageBusyError } from '../src/domain/errors';
import { doctor } from '../src/domain/recovery/doctor';
import { hashBuffer } from '../src/storage/hashing';
import { objectKeys, readObject, stagingKeys } from './helpers/storage-state';
import { startServerProcess } from './helpers/server-process';
import { createDatabaseFromTemplate, startTestTrove, type TestTrove } from './helpers/trove';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created artifact { uid isLatest } } ... on Error { code message } } }`;

describe.each(['local', 's3rver'] as const)('concurrent saves on %s storage', (backend) => {
  let trove: TestTrove;
  beforeAll(async () => {
    trove = await startTestTrove({ defaultStorage: backend });
  });
  afterAll(async () => trove?.close());
  const store = () => trove.services.stores.storeFor(backend === 'local' ? trove.localRoot : trove.s3rverRoot);

  it('50 concurrent saves of identical content give exactly one row and one object', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => trove.query(CREATE, { input: { content: 'the same bytes\n', description: 'dup' } })));
    const failures = results.filter((result) => result.createArtifact.__typename !== 'ArtifactPayload');
    expect(failures).toEqual([]);
    const uids = new Set(results.map((result) => result.createArtifact.artifact.uid));
    expect(uids.size).toBe(1);
    expect(results.filter((result) => result.createArtifact.created)).toHaveLength(1);
    expect(await trove.services.db.artifact.count({ where: { description: 'dup' } })).toBe(1);
    expect(await objectKeys(store())).toHaveLength(1);
    expect(await stagingKeys(store())).toEqual([]);
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });

  it('concurrent new versions of one key get distinct uids and exactly one latest', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => trove.query(CREATE, { input: { content: `version ${index}\n`, key: 'shared/v.txt' } })));
    const uids = results.map((result) => result.createArtifact.artifact.uid);
    expect(new Set(uids).size).toBe(12);
    expect(new Set(uids.map((uid) => uid.slice(0, 16))).size).toBe(1);
    const rows = await trove.services.db.artifact.findMany({ where: { key: 'shared/v.txt' } });
    expect(rows.filter((row) => row.isLatest)).toHaveLength(1);
    expect(rows.map((row) => row.uid.slice(16)).sort()).toEqual(['0000', '0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008', '0009', '000A', '000B']);
  });

  it('racing replace and delete of one artifact end in a consistent state', async () => {
    for (let round = 0; round < 8; round++) {
      const { artifact } = await saveArtifact(trove.services, { source: { kind: 'content', content: `round ${round} original` }, description: `race ${round}` });
      const outcomes = await Promise.allSettled([
        replaceArtifact(trove.services, { uid: artifact.uid, source: { kind: 'content', content: `round ${round} replaced` } }),
        deleteArtifact(trove.services, { uid: artifact.uid, permanent: true }),
      ]);
      const row = await trove.services.db.artifact.findUnique({ where: { uid: artifact.uid } });
      const [replaced, deleted] = outcomes;
      if (deleted.status === 'fulfilled') {
        expect(row).toBeNull(); // the delete removed whatever the replace left
        // The replace either committed before the delete or found the artifact gone: never a database failure.
        if (replaced.status === 'rejected') expect(replaced.reason).toBeInstanceOf(NotFoundError);
      } else {
        // The replace committed first and was moving its bytes: the delete was refused, the replace is whole.
        expect(deleted.reason).toBeInstanceOf(StorageBusyError);
        expect(replaced.status).toBe('fulfilled');
        expect(row).toMatchObject({ storageOngoing: false, hash: (await hashBuffer(Buffer.from(`round ${round} replaced`))).hash });
        expect(await readObject(store(), row!.storageKey)).toBe(`round ${round} replaced`);
        await deleteArtifact(trove.services, { uid: artifact.uid, permanent: true });
      }
      const replaceOutcome = replaced.status === 'fulfilled' ? 'replaced' : (replaced.reason as Error).name;
      console.log(`race round ${round}: ${deleted.status === 'fulfilled' ? 'the delete won' : 'the replace won, the delete was refused as busy'} (replace: ${replaceOutcome})`);
    }
    expect(await doctor(trove.services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
  });
});

describe('two server processes on one database and one storage', () => {
  let workDir: string;
  const servers: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'trove-two-'));
    await chmod(workDir, 0o755);
    const shared = { DATABASE_URL: await createDatabaseFromTemplate(), TROVE_STORAGE: path.join(workDir, 'storage'), TROVE_SECRET: 'a-secret-the-two-servers-share-xx' };
    servers.push(await startServerProcess({ ...shared, TROVE_DATA_DIR: path.join(workDir, 'a') }));
    servers.push(await startServerProcess({ ...shared, TROVE_DATA_DIR: path.join(workDir, 'b') }));
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  async function save(url: string, input: Record<string, unknown>) {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: CREATE, variables: { input } }) });
    return ((await response.json()) as any).data.createArtifact;
  }

  it('identical saves through both give one record; versions through both give one latest', async () => {
    const same = await Promise.all(Array.from({ length: 30 }, (_, index) => save(servers[index % 2]!.url, { content: 'shared content\n', description: 'two servers' })));
    expect(new Set(same.map((result) => result.artifact.uid)).size).toBe(1);
    const versions = await Promise.all(Array.from({ length: 10 }, (_, index) => save(servers[index % 2]!.url, { content: `v${index}\n`, key: 'both/v.txt' })));
    expect(new Set(versions.map((result) => result.artifact.uid)).size).toBe(10);
    const latest = await (await fetch(`${servers[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ artifacts(filter: { keyPrefix: "both/" }) { totalCount edges { node { isLatest } } } }` }),
    })).json() as any;
    expect(latest.data.artifacts.totalCount).toBe(10);
    expect(latest.data.artifacts.edges.filter((edge: any) => edge.node.isLatest)).toHaveLength(1);
  });
});
