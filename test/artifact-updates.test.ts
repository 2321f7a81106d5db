// updateArtifact with LaminDB's rules: a virtual key changes as metadata only (the object stays where it is), keeping
// the artifact's suffix; a real key changes with its object (moved through the storage protocol: a failure or a crash
// leaves one copy, where the row points); a version tag stays unique in its family; editing an older version warns.
// Every refusal leaves the row and the object as they were. Through GraphQL, the SDK and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { updateArtifact } from '../src/domain/artifacts/update';
import { SimulatedCrash } from '../src/domain/fault-points';
import { sweep } from '../src/domain/recovery/sweep';
import { objectKeys, readObject } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { artifact { uid key storageKey } } ... on Error { code message } } }`;
const UPDATE = `mutation($input: UpdateArtifactInput!) { updateArtifact(input: $input) {
  __typename ... on ArtifactPayload { warnings artifact { uid key description kind versionTag storageKey } }
  ... on InvalidInput { field } ... on Error { code message } } }`;

describe('updateArtifact', () => {
  let trove: TestTrove & { url: string };
  const store = () => trove.services.stores.storeFor(trove.localRoot);
  const row = (uid: string) => trove.services.db.artifact.findUniqueOrThrow({ where: { uid } });
  const create = async (input: Record<string, unknown>) => {
    const result = (await trove.query(CREATE, { input })).createArtifact;
    expect(result.__typename).toBe('ArtifactPayload');
    return result.artifact as { uid: string; key: string; storageKey: string };
  };
  const update = async (input: Record<string, unknown>) => (await trove.query(UPDATE, { input })).updateArtifact;
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it('renames a virtual key as metadata: the object stays, lookups by key follow', async () => {
    const saved = await create({ content: 'a,b\n1,2\n', key: 'tables/first.csv' });
    const renamed = await update({ uid: saved.uid, key: 'tables/renamed.csv', description: 'the first table' });
    expect(renamed).toMatchObject({ __typename: 'ArtifactPayload', warnings: [], artifact: { key: 'tables/renamed.csv', description: 'the first table', storageKey: saved.storageKey } });
    expect(await readObject(store(), saved.storageKey)).toBe('a,b\n1,2\n');
    expect((await trove.query(`{ artifact(key: "tables/renamed.csv") { uid } }`)).artifact).toEqual({ uid: saved.uid });
    expect((await trove.query(`{ artifact(key: "tables/first.csv") { uid } }`)).artifact).toBeNull();
    // null clears; an omitted field stays.
    expect((await update({ uid: saved.uid, description: null })).artifact).toMatchObject({ key: 'tables/renamed.csv', description: null });
  });

  it('refuses another suffix and a bad key, changing nothing in either store', async () => {
    const saved = await create({ content: 'x,y\n', key: 'tables/kept.csv', description: 'kept' });
    const before = await row(saved.uid);
    expect(await update({ uid: saved.uid, key: 'tables/kept.parquet' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await update({ uid: saved.uid, key: '../outside.csv' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await update({ uid: saved.uid, key: '.lamindb/mine.csv' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await row(saved.uid)).toEqual(before);
    expect(await update({ uid: 'nOsUchArtifact000000', description: 'x' })).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
  });

  it('moves the object when a real key changes, with the fields edited alongside; one copy at every step', async () => {
    const real = await create({ content: 'real bytes', key: 'real/notes.txt', keyIsVirtual: false });
    const renamed = await update({ uid: real.uid, key: 'real/moved/notes.txt', description: 'lab notes' });
    expect(renamed).toMatchObject({ __typename: 'ArtifactPayload', artifact: { key: 'real/moved/notes.txt', storageKey: 'real/moved/notes.txt', description: 'lab notes' } });
    expect(renamed.warnings).toEqual(['moved the object from real/notes.txt to real/moved/notes.txt']);
    expect(await readObject(store(), 'real/moved/notes.txt')).toBe('real bytes');
    expect(await objectKeys(store())).not.toContain('real/notes.txt');
    expect((await trove.query(`{ artifact(key: "real/moved/notes.txt") { uid } }`)).artifact).toEqual({ uid: real.uid });

    // Refused, nothing changed: removing a real key, another suffix, a key whose file nobody owns.
    expect(await update({ uid: real.uid, key: null })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await update({ uid: real.uid, key: 'real/notes.csv' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    await store().put('real/taken.txt', Buffer.from('not ours'));
    expect(await update({ uid: real.uid, key: 'real/taken.txt', description: 'not applied' })).toMatchObject({ __typename: 'FileExists' });
    expect(await readObject(store(), 'real/taken.txt')).toBe('not ours');

    // A failed move of the bytes: the row, its fields and the object stay as they were.
    trove.services.faults.fail('protocol.beforeMove', () => new Error('disk full'));
    expect(await update({ uid: real.uid, key: 'real/elsewhere.txt', description: 'not applied either' })).toMatchObject({ __typename: 'StorageFailed' });
    expect(await row(real.uid)).toMatchObject({ key: 'real/moved/notes.txt', storageKey: 'real/moved/notes.txt', description: 'lab notes', storageOngoing: false });
    expect(await readObject(store(), 'real/moved/notes.txt')).toBe('real bytes');
    expect(await objectKeys(store())).not.toContain('real/elsewhere.txt');
    expect(await trove.services.db.storageOperation.count()).toBe(0);

    // A crash after the commit, its staged copy lost: recovery puts the key, the fields and the object back.
    trove.services.faults.crash('protocol.afterCommit');
    await expect(updateArtifact(trove.services, { uid: real.uid, key: 'real/crashed.txt', description: 'undone' })).rejects.toBeInstanceOf(SimulatedCrash);
    expect(await row(real.uid)).toMatchObject({ key: 'real/crashed.txt', storageOngoing: true });
    const promotion = await trove.services.db.storageOperation.findFirstOrThrow({ where: { kind: 'PROMOTE' } });
    await store().delete(promotion.fromKey);
    await trove.services.db.$executeRaw`UPDATE "StorageOperation" SET "leaseExpiresAt" = now() - interval '1 second'`;
    expect((await sweep(trove.services, { graceMs: 0, onlyOwedWork: true })).undone).toEqual([real.uid]);
    expect(await row(real.uid)).toMatchObject({ key: 'real/moved/notes.txt', storageKey: 'real/moved/notes.txt', description: 'lab notes', storageOngoing: false });
    expect(await readObject(store(), 'real/moved/notes.txt')).toBe('real bytes');
    expect(await trove.services.db.storageOperation.count()).toBe(0);
  });

  it('keeps version tags unique in a family and warns when the version is not the latest', async () => {
    const first = await create({ content: 'v1', key: 'models/weights.txt', versionTag: '1.0' });
    const second = await create({ content: 'v2', key: 'models/weights.txt' });
    expect(second.uid.slice(0, 16)).toBe(first.uid.slice(0, 16));
    const taken = await update({ uid: second.uid, versionTag: '1.0' });
    expect(taken).toMatchObject({ __typename: 'VersionTagTaken', code: 'VERSION_TAG_TAKEN' });
    expect((await row(second.uid)).versionTag).toBeNull();
    expect((await update({ uid: second.uid, versionTag: '2.0', kind: 'model' })).artifact).toMatchObject({ versionTag: '2.0', kind: 'model' });
    const older = await update({ uid: first.uid, description: 'first weights' });
    expect(older.warnings).toEqual([`artifact ${first.uid} is not the latest version (the latest is ${second.uid}); only this version changes`]);
  });

  it('works from the SDK and the CLI', async () => {
    const saved = await create({ content: 'cli', key: 'cli/item.txt' });
    const client = new TroveClient(trove.url);
    const updated = await client.updateArtifact({ uid: saved.uid, description: 'from the SDK' });
    expect(updated.artifact).toMatchObject({ uid: saved.uid, description: 'from the SDK' });
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, '--json', 'update', saved.uid, '--key', 'cli/renamed.txt', '--description', '']);
    expect(JSON.parse(lines[0]!).artifact).toMatchObject({ uid: saved.uid, key: 'cli/renamed.txt', description: null });
    expect(await row(saved.uid)).toMatchObject({ key: 'cli/renamed.txt', description: null });
  });
});
