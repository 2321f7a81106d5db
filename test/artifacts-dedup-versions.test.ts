// Seed 004 (artifact half): the three ifHashExists modes; versions by key and by revisesUid; bulk saves;
// registering objects already in a storage.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKeys, stagingKeys } from './helpers/storage-state';
import { startTestTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove;
beforeAll(async () => {
  trove = await startTestTrove();
});
afterAll(async () => trove?.close());

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename
  ... on ArtifactPayload { created warnings artifact { uid key version versionTag isLatest hash storageKey keyIsVirtual branch } }
  ... on Error { code message }
  ... on HashExists { existingUid }
  ... on InvalidInput { field }
} }`;
const create = async (input: Record<string, unknown>) => (await trove.query(CREATE, { input })).createArtifact;
const store = () => trove.services.stores.storeFor(trove.localRoot);

describe('idempotent saves (seed 004)', () => {
  const fcs = 'FCS3.0 pretend flow cytometry content\n'.repeat(50);

  it('returns the existing artifact for the same content, storing nothing new', async () => {
    const first = await create({ content: fcs, suffix: '.fcs', description: 'My fcs artifact' });
    expect(first).toMatchObject({ __typename: 'ArtifactPayload', created: true });
    const objectsBefore = await objectKeys(store());
    const second = await create({ content: fcs, suffix: '.fcs', description: 'My fcs artifact' });
    expect(second).toMatchObject({ created: false, artifact: { uid: first.artifact.uid } });
    expect(second.warnings[0]).toMatch(/returning existing artifact with same hash/);
    expect(await objectKeys(store())).toEqual(objectsBefore);
    expect(await stagingKeys(store())).toEqual([]);
  });

  it('answers HashExists naming the existing uid with ifHashExists: ERROR', async () => {
    const existing = await trove.services.db.artifact.findFirstOrThrow({ where: { description: 'My fcs artifact' } });
    const refused = await create({ content: fcs, suffix: '.fcs', description: 'My new fcs artifact', ifHashExists: 'ERROR' });
    expect(refused).toMatchObject({ __typename: 'HashExists', code: 'HASH_EXISTS', existingUid: existing.uid });
    expect(await trove.services.db.artifact.count({ where: { hash: existing.hash } })).toBe(1);
  });

  it('creates a second artifact with the same hash with CREATE_NEW', async () => {
    const existing = await trove.services.db.artifact.findFirstOrThrow({ where: { description: 'My fcs artifact' } });
    const fresh = await create({ content: fcs, suffix: '.fcs', description: 'My new fcs artifact', ifHashExists: 'CREATE_NEW' });
    expect(fresh.created).toBe(true);
    expect(fresh.artifact.uid).not.toBe(existing.uid);
    expect(fresh.warnings[0]).toMatch(/creating new artifact despite existing artifact with same hash/);
    const byHash = await trove.query(`query($h: String) { artifacts(filter: { hash: $h }) { totalCount } }`, { h: existing.hash });
    expect(byHash.artifacts.totalCount).toBe(2);
    expect(await objectKeys(store())).toContain(`.lamindb/${fresh.artifact.uid}.fcs`);
  });

  it('makes a new artifact when the content is only in the trash, naming the trashed one (lamindb tests/pydata/test_artifact_basics.py::test_delete_and_restore_artifact)', async () => {
    const text = 'only in the trash\n';
    const saved = await create({ content: text, description: 'trash me' });
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid }) { __typename } }`, { uid: saved.artifact.uid });
    const again = await create({ content: text, description: 'again' });
    expect(again).toMatchObject({ __typename: 'ArtifactPayload', created: true });
    expect(again.artifact.uid).not.toBe(saved.artifact.uid);
    expect(again.warnings.join(' ')).toContain(`artifact ${saved.artifact.uid} with this content is in the trash`);
    const trashed = await trove.query(`query($uid: String) { artifact(uid: $uid) { branch } }`, { uid: saved.artifact.uid });
    expect(trashed.artifact.branch).toBe('TRASH');
  });
});

describe('versions', () => {
  it('a new save under an existing key makes the next version; one latest; artifact(key) is the latest', async () => {
    const v1 = await create({ content: 'x,y\n1,2\n', key: 'tables/v.csv' });
    const v2 = await create({ content: 'x,y\n1,3\n', key: 'tables/v.csv', versionTag: '2' });
    expect(v1.artifact.version).toBe('0000');
    expect(v2.artifact).toMatchObject({ version: '0001', versionTag: '2', isLatest: true });
    expect(v2.artifact.uid.slice(0, 16)).toBe(v1.artifact.uid.slice(0, 16));
    const latest = await trove.query(`{ artifact(key: "tables/v.csv") { uid versions { totalCount edges { node { uid isLatest } } } } }`);
    expect(latest.artifact.uid).toBe(v2.artifact.uid);
    expect(latest.artifact.versions.totalCount).toBe(2);
    expect(latest.artifact.versions.edges.map((edge: any) => edge.node)).toEqual([{ uid: v1.artifact.uid, isLatest: false }, { uid: v2.artifact.uid, isLatest: true }]);

    const v3 = await create({ content: 'x,y\n1,4\n', revisesUid: v1.artifact.uid });
    expect(v3.artifact).toMatchObject({ version: '0002', key: 'tables/v.csv', isLatest: true });
    const taken = await create({ content: 'x,y\n1,5\n', key: 'tables/v.csv', versionTag: '2' });
    expect(taken).toMatchObject({ __typename: 'VersionTagTaken', code: 'VERSION_TAG_TAKEN' });
    expect(await trove.services.db.artifact.count({ where: { key: 'tables/v.csv' } })).toBe(3);

    // Deleting the latest version promotes the previous one.
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename } }`, { uid: v3.artifact.uid });
    const after = await trove.query(`{ artifact(key: "tables/v.csv") { uid isLatest } }`);
    expect(after.artifact).toEqual({ uid: v2.artifact.uid, isLatest: true });
    expect(await trove.services.db.artifact.count({ where: { key: 'tables/v.csv', isLatest: true } })).toBe(1);

    // The deleted version's uid is never issued again.
    const v4 = await create({ content: 'x,y\n1,6\n', key: 'tables/v.csv' });
    expect(v4.artifact.version).toBe('0003');
  });

  it('counts version suffixes in base62', async () => {
    let previous = await create({ content: 'v0', key: 'counter.txt' });
    for (let index = 1; index <= 11; index++) previous = await create({ content: `v${index}`, key: 'counter.txt' });
    expect(previous.artifact.version).toBe('000B');
  });
});

describe('validation and bulk saves', () => {
  it('refuses bad keys, missing identification and mismatched suffixes with InvalidInput naming the field', async () => {
    expect(await create({ content: 'a', key: '../escape.txt' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ content: 'a', key: '.lamindb/x.txt' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ content: 'a', key: 'a\\b.txt' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ content: 'a' })).toMatchObject({ __typename: 'InvalidInput', field: 'input' });
    expect(await create({ content: 'a', suffix: '.csv', key: 'x.txt' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ content: 'a', uploadId: 'x', description: 'two sources' })).toMatchObject({ __typename: 'InvalidInput' });
  });

  it('saves nothing when one input of a bulk save is invalid (seed 003)', async () => {
    const before = await trove.services.db.artifact.count();
    const objectsBefore = await objectKeys(store());
    const result = await trove.query(
      `mutation($inputs: [CreateArtifactInput!]!) { saveArtifacts(input: { artifacts: $inputs }) { __typename ... on InvalidInput { field message } } }`,
      { inputs: [{ content: 'bulk one', description: 'ok' }, { content: 'bulk two', key: '/absolute.txt' }] },
    );
    expect(result.saveArtifacts).toMatchObject({ __typename: 'InvalidInput', field: 'input.artifacts.1.key' });
    expect(await trove.services.db.artifact.count()).toBe(before);
    expect(await objectKeys(store())).toEqual(objectsBefore);
  });

  it('saves several artifacts with one result each', async () => {
    const result = await trove.query(
      `mutation($inputs: [CreateArtifactInput!]!) { saveArtifacts(input: { artifacts: $inputs }) { ... on SaveArtifactsPayload { results { created artifact { key } } } } }`,
      { inputs: [{ content: 'bulk a', key: 'bulk/a.txt' }, { content: 'bulk b', key: 'bulk/b.txt' }] },
    );
    expect(result.saveArtifacts.results).toEqual([
      { created: true, artifact: { key: 'bulk/a.txt' } },
      { created: true, artifact: { key: 'bulk/b.txt' } },
    ]);
  });
});

describe('registering objects already in a storage', () => {
  it('registers a file inside the storage root in place, with its relative path as a real key', async () => {
    await mkdir(path.join(trove.localRoot, 'external'), { recursive: true });
    await writeFile(path.join(trove.localRoot, 'external', 'sample.fasta'), '>seq1\nACGT\n');
    const registered = await create({ path: path.join(trove.localRoot, 'external', 'sample.fasta'), description: 'registered' });
    expect(registered.artifact).toMatchObject({ key: 'external/sample.fasta', keyIsVirtual: false, storageKey: 'external/sample.fasta', hash: '83rEPcAoBHmYiIuyBYrFKg' });
    expect(await objectKeys(store())).toContain('external/sample.fasta');
  });

  it('never deletes an object that another artifact still points to', async () => {
    const file = path.join(trove.localRoot, 'external', 'shared.txt');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'registered twice\n');
    const first = await create({ path: file, description: 'first registration' });
    // The same file registered again is the same artifact (LaminDB); a changed file under the occupied key is refused ...
    expect(await create({ path: file, description: 'again', ifHashExists: 'CREATE_NEW' })).toMatchObject({ __typename: 'ArtifactPayload', created: false, artifact: { uid: first.artifact.uid } });
    await writeFile(file, 'registered twice, then changed\n');
    expect(await create({ path: file, description: 'changed', ifHashExists: 'CREATE_NEW' })).toMatchObject({ __typename: 'KeyOccupied' });
    // ... but rows written otherwise (an import, an older release) can share an object: build one directly.
    const { id: _id, uid: _uid, ...row } = await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: first.artifact.uid } });
    const second = { artifact: await trove.services.db.artifact.create({ data: { ...row, uid: `${first.artifact.uid.slice(0, 15)}x0000`, description: 'imported', isLatest: false } as never }) };
    const DELETE = `mutation($input: DeleteArtifactInput!) { deleteArtifact(input: $input) { ... on DeleteArtifactPayload { objectDeleted warnings } } }`;
    const kept = await trove.query(DELETE, { input: { uid: first.artifact.uid, permanent: true, deleteStorage: true } });
    expect(kept.deleteArtifact).toMatchObject({ objectDeleted: false, warnings: [expect.stringContaining('1 other artifact(s) point to it')] });
    expect(await objectKeys(store())).toContain('external/shared.txt');
    const removed = await trove.query(DELETE, { input: { uid: second.artifact.uid, permanent: true, deleteStorage: true } });
    expect(removed.deleteArtifact.objectDeleted).toBe(true);
    expect(await objectKeys(store())).not.toContain('external/shared.txt');
    expect(await trove.services.db.artifact.count({ where: { uid: { in: [first.artifact.uid, second.artifact.uid] } } })).toBe(0);
  });

  it('refuses any other server-side path', async () => {
    const refused = await create({ path: '/etc/passwd', description: 'nope' });
    expect(refused).toMatchObject({ __typename: 'InvalidInput', field: 'input.path' });
    expect(await trove.services.db.artifact.count({ where: { description: 'nope' } })).toBe(0);
  });
});
