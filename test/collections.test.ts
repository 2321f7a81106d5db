// LaminDB's Collection: an ordered set of saved artifacts whose hash is lamindb-setup's hash_set over the artifacts'
// hashes. The same artifacts answer the existing collection; an existing key makes the next version; lineage through
// the run that creates it; trash, restore and permanent delete, which never touch the artifacts, while an artifact in
// a collection is not deleted for good (LaminDB's PROTECT). Through GraphQL, the SDK and the CLI, over local and S3
// storage, with the rows (and the objects) checked.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { objectKeys } from './helpers/storage-state';
import { nodes, startListeningTrove, type TestTrove } from './helpers/trove';

const CREATE = `mutation($input: CreateCollectionInput!) { createCollection(input: $input) { __typename
  ... on CollectionPayload { created warnings collection { uid key description hash version isLatest branch run { uid } metaArtifact { uid }
    artifacts(first: 50) { totalCount edges { node { uid } } } } }
  ... on InvalidInput { field message } ... on Error { code message } } }`;
const DELETE = `mutation($uid: String!, $permanent: Boolean) { deleteCollection(input: { uid: $uid, permanent: $permanent }) { __typename
  ... on DeleteCollectionPayload { uid deletedId collection { branch isLatest } } ... on Error { code message } } }`;
const RESTORE = `mutation($uid: String!) { restoreCollection(input: { uid: $uid }) { __typename ... on CollectionPayload { collection { branch isLatest } } } }`;
const DELETE_ARTIFACT = `mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename
  ... on DeleteArtifactPayload { objectDeleted } ... on Error { code message } } }`;

/** lamindb-setup's hash_set, written out independently: md5 over the sorted distinct hashes joined by ":". */
function laminHashSet(hashes: string[]): string {
  return createHash('md5').update([...new Set(hashes)].sort().join(':')).digest('base64url').slice(0, 22);
}

describe('collections', () => {
  let trove: TestTrove & { url: string };
  let counter = 0;
  const save = async (content: string, extra: Record<string, unknown> = {}) =>
    (await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid hash storageKey } } } }`, {
      input: { content, key: `collections/file-${++counter}.txt`, ...extra },
    })).createArtifact.artifact as { uid: string; hash: string; storageKey: string };
  const create = async (input: Record<string, unknown>) => (await trove.query(CREATE, { input })).createCollection;
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it('keeps the artifacts in order under LaminDB\'s hash, and answers the same set with the existing collection', async () => {
    const [a, b, c] = [await save('alpha'), await save('beta'), await save('gamma')];
    const made = await create({ key: 'screens/plate-1', artifactUids: [c.uid, a.uid, b.uid], description: 'plate 1' });
    expect(made).toMatchObject({ __typename: 'CollectionPayload', created: true, warnings: [] });
    const collection = made.collection;
    expect(collection).toMatchObject({ key: 'screens/plate-1', version: '0000', isLatest: true, branch: 'MAIN', hash: laminHashSet([a.hash, b.hash, c.hash]) });
    expect(collection.uid).toMatch(/^[0-9A-Za-z]{16}0000$/);
    expect(nodes(collection.artifacts).map((node) => node.uid)).toEqual([c.uid, a.uid, b.uid]);
    expect(collection.artifacts.totalCount).toBe(3);
    const links = await trove.services.db.collectionArtifact.findMany({ where: { collection: { uid: collection.uid } }, orderBy: { position: 'asc' }, include: { artifact: true } });
    expect(links.map((link) => [link.position, link.artifact.uid])).toEqual([[0, c.uid], [1, a.uid], [2, b.uid]]);

    // The same set (in any order) is the same collection; under another key it is answered with a warning.
    const again = await create({ key: 'screens/plate-1', artifactUids: [a.uid, b.uid, c.uid] });
    expect(again).toMatchObject({ created: false, collection: { uid: collection.uid } });
    const elsewhere = await create({ key: 'screens/other-name', artifactUids: [b.uid, c.uid, a.uid] });
    expect(elsewhere).toMatchObject({ created: false, collection: { uid: collection.uid, key: 'screens/plate-1' } });
    expect(elsewhere.warnings[0]).toContain('skipHashLookup');
    // Unless asked for a new one.
    const separate = await create({ key: 'screens/other-name', artifactUids: [a.uid, b.uid, c.uid], skipHashLookup: true });
    expect(separate).toMatchObject({ created: true, collection: { key: 'screens/other-name', hash: collection.hash } });
    expect(separate.collection.uid.slice(0, 16)).not.toBe(collection.uid.slice(0, 16));
    expect(await trove.services.db.collection.count({ where: { hash: collection.hash } })).toBe(2);
  });

  it('makes the next version under an existing key or with revisesUid, and keeps version tags unique', async () => {
    const [a, b, c] = [await save('v-one'), await save('v-two'), await save('v-three')];
    const first = (await create({ key: 'versions/set', artifactUids: [a.uid], versionTag: '1', description: 'kept' })).collection;
    const second = (await create({ key: 'versions/set', artifactUids: [a.uid, b.uid], versionTag: '2' })).collection;
    expect(second).toMatchObject({ version: '0001', isLatest: true, description: 'kept' });
    expect(second.uid.slice(0, 16)).toBe(first.uid.slice(0, 16));
    const third = (await create({ revisesUid: second.uid, artifactUids: [a.uid, b.uid, c.uid] })).collection;
    expect(third).toMatchObject({ key: 'versions/set', version: '0002', isLatest: true });
    const latest = await trove.services.db.collection.findMany({ where: { uid: { startsWith: first.uid.slice(0, 16) } }, orderBy: { id: 'asc' } });
    expect(latest.map((version) => version.isLatest)).toEqual([false, false, true]);

    const taken = await create({ key: 'versions/set', artifactUids: [b.uid], versionTag: '1' });
    expect(taken).toMatchObject({ __typename: 'VersionTagTaken', code: 'VERSION_TAG_TAKEN' });
    expect(await trove.services.db.collection.count({ where: { key: 'versions/set' } })).toBe(3);
    const versions = (await trove.query(`query($uid: String!) { collection(uid: $uid) { versions(first: 10) { totalCount edges { node { version } } } } }`, { uid: first.uid })).collection.versions;
    expect(nodes(versions).map((node) => node.version)).toEqual(['0000', '0001', '0002']);
    expect((await trove.query(`{ collection(key: "versions/set") { uid } }`)).collection.uid).toBe(third.uid);
  });

  it('refuses bad input with a typed error and writes nothing', async () => {
    const a = await save('valid member');
    const trashed = await save('trashed member');
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid }) { __typename } }`, { uid: trashed.uid });
    const before = await trove.services.db.collection.count();
    expect(await create({ key: 'bad/empty', artifactUids: [] })).toMatchObject({ __typename: 'InvalidInput', field: 'input.artifactUids' });
    expect(await create({ key: 'bad/missing', artifactUids: [a.uid, 'NoSuchArtifact000000'] })).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
    const inTrash = await create({ key: 'bad/trash', artifactUids: [a.uid, trashed.uid] });
    expect(inTrash).toMatchObject({ __typename: 'InvalidInput', field: 'input.artifactUids.1' });
    expect(inTrash.message).toContain('in the trash');
    expect(await create({ key: '../escape', artifactUids: [a.uid] })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ artifactUids: [a.uid] })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ key: 'bad/run', artifactUids: [a.uid], runUid: 'NoSuchRun0000000' })).toMatchObject({ __typename: 'NotFound' });
    expect(await trove.services.db.collection.count()).toBe(before);
    expect(await trove.services.db.collectionArtifact.count({ where: { artifact: { uid: a.uid } } })).toBe(0);

    // A uid given twice is kept once, with a warning; the same content in two artifacts is warned about too.
    const twin = await save('valid member', { ifHashExists: 'CREATE_NEW' });
    const repeated = await create({ key: 'warn/repeats', artifactUids: [a.uid, a.uid, twin.uid] });
    expect(repeated).toMatchObject({ created: true, collection: { artifacts: { totalCount: 2 } } });
    expect(repeated.warnings).toEqual([expect.stringContaining('more than once'), expect.stringContaining('same content')]);
  });

  it("records lineage: the creating run reads the artifacts and the revised version; a run creating it again is a recreating run", async () => {
    const transform = (await trove.query(`mutation { createTransform(input: { key: "collect.py", kind: SCRIPT }) { ... on TransformPayload { transform { uid } } } }`)).createTransform.transform.uid;
    const startRun = async () => (await trove.query(`mutation($t: String!) { startRun(input: { transformUid: $t }) { ... on StartRunPayload { run { uid } } } }`, { t: transform })).startRun.run.uid as string;
    const run = await startRun();
    const input = await save('lineage input');
    const output = await save('lineage output', { runUid: run });
    const first = (await create({ key: 'lineage/set', artifactUids: [input.uid] })).collection;
    const made = (await create({ key: 'lineage/set', artifactUids: [input.uid, output.uid], runUid: run })).collection;
    expect(made.run).toEqual({ uid: run });
    const seen = (await trove.query(`query($uid: String!) { run(uid: $uid) {
      inputArtifacts(first: 10) { edges { node { uid } } } inputCollections(first: 10) { edges { node { uid } } } outputCollections(first: 10) { edges { node { uid } } } } }`, { uid: run })).run;
    // Its own output is not an input (LaminDB's rule); the version it revised is.
    expect(nodes(seen.inputArtifacts).map((node) => node.uid)).toEqual([input.uid]);
    expect(nodes(seen.inputCollections).map((node) => node.uid)).toEqual([first.uid]);
    expect(nodes(seen.outputCollections).map((node) => node.uid)).toEqual([made.uid]);

    const later = await startRun();
    expect(await create({ key: 'lineage/set', artifactUids: [output.uid, input.uid], runUid: later })).toMatchObject({ created: false, collection: { uid: made.uid } });
    const recreated = (await trove.query(`query($uid: String!) { collection(uid: $uid) { recreatingRuns(first: 5) { edges { node { uid } } } } }`, { uid: made.uid })).collection;
    expect(nodes(recreated.recreatingRuns).map((node) => node.uid)).toEqual([later]);

    // markInputs takes collections; the SDK's get with asInputOf records the read.
    const reader = await startRun();
    await new TroveClient(trove.url).collections.get({ key: 'lineage/set', asInputOf: reader });
    expect(await trove.services.db.runInputCollection.count({ where: { run: { uid: reader }, collection: { uid: made.uid } } })).toBe(1);

    // A run that created a collection keeps it: not deleted for good.
    const refused = (await trove.query(`mutation($uid: String!) { deleteRun(input: { uid: $uid, permanent: true }) { __typename ... on Error { code message } } }`, { uid: run })).deleteRun;
    expect(refused).toMatchObject({ __typename: 'RecordInUse', code: 'RUN_IN_USE' });
    expect(refused.message).toContain('collection(s)');
  });

  it('trashes and restores a collection with its latest flag, deletes it for good, and never touches the artifacts', async () => {
    const [a, b] = [await save('life one'), await save('life two')];
    const v1 = (await create({ key: 'life/set', artifactUids: [a.uid] })).collection;
    const v2 = (await create({ key: 'life/set', artifactUids: [a.uid, b.uid] })).collection;
    expect((await trove.query(DELETE, { uid: v2.uid })).deleteCollection).toMatchObject({ deletedId: null, collection: { branch: 'TRASH', isLatest: false } });
    expect(await trove.services.db.collection.findUniqueOrThrow({ where: { uid: v1.uid } })).toMatchObject({ isLatest: true });
    const listed = (await trove.query(`{ collections(first: 50, filter: { keyPrefix: "life/" }) { edges { node { uid } } } }`)).collections;
    expect(nodes(listed).map((node) => node.uid)).toEqual([v1.uid]);
    expect((await trove.query(RESTORE, { uid: v2.uid })).restoreCollection).toMatchObject({ collection: { branch: 'MAIN', isLatest: true } });
    expect(await trove.services.db.collection.findUniqueOrThrow({ where: { uid: v1.uid } })).toMatchObject({ isLatest: false });

    // An artifact in a collection is not deleted for good: refused, nothing changes, row and object stay.
    const refused = (await trove.query(DELETE_ARTIFACT, { uid: b.uid })).deleteArtifact;
    expect(refused).toMatchObject({ __typename: 'RecordInUse', code: 'ARTIFACT_IN_COLLECTION' });
    expect(await trove.services.db.artifact.count({ where: { uid: b.uid } })).toBe(1);
    expect(await objectKeys(trove.services.stores.storeFor(trove.localRoot))).toContain(b.storageKey);

    const gone = (await trove.query(DELETE, { uid: v2.uid, permanent: true })).deleteCollection;
    expect(gone).toMatchObject({ __typename: 'DeleteCollectionPayload', uid: v2.uid, collection: null });
    expect(gone.deletedId).toBeTruthy();
    expect(await trove.services.db.collection.count({ where: { uid: v2.uid } })).toBe(0);
    expect(await trove.services.db.collectionArtifact.count({ where: { artifact: { uid: b.uid } } })).toBe(0);
    expect(await trove.services.db.collection.findUniqueOrThrow({ where: { uid: v1.uid } })).toMatchObject({ isLatest: true });
    // Now b is in no collection: it goes for good with its object.
    expect((await trove.query(DELETE_ARTIFACT, { uid: b.uid })).deleteArtifact).toMatchObject({ __typename: 'DeleteArtifactPayload', objectDeleted: true });
    expect(await objectKeys(trove.services.stores.storeFor(trove.localRoot))).not.toContain(b.storageKey);
    expect(await trove.services.db.artifact.count({ where: { uid: a.uid } })).toBe(1);
  });

  it('keeps a meta artifact to one collection and protects it', async () => {
    const [member, index] = [await save('meta member'), await save('meta index')];
    const made = await create({ key: 'meta/set', artifactUids: [member.uid], metaArtifactUid: index.uid });
    expect(made.collection.metaArtifact).toEqual({ uid: index.uid });
    const second = await create({ key: 'meta/other', artifactUids: [index.uid], metaArtifactUid: index.uid });
    expect(second).toMatchObject({ __typename: 'InvalidInput', field: 'input.metaArtifactUid' });
    expect((await trove.query(DELETE_ARTIFACT, { uid: index.uid })).deleteArtifact).toMatchObject({ code: 'ARTIFACT_IN_COLLECTION' });
  });

  it('gives one collection to concurrent identical creates', async () => {
    const members = [await save('race one'), await save('race two')];
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => create({ key: 'race/set', artifactUids: members.map((member) => member.uid) })));
    expect(outcomes.filter((outcome) => outcome.created)).toHaveLength(1);
    expect(new Set(outcomes.map((outcome) => outcome.collection.uid)).size).toBe(1);
    expect(await trove.services.db.collection.count({ where: { key: 'race/set' } })).toBe(1);
  });

  it('is found by search, by filters and from its artifacts', async () => {
    const member = await save('searchable member');
    const made = (await create({ key: 'atlas/zebrafish-brain', artifactUids: [member.uid], description: 'whole-brain imaging atlas' })).collection;
    const hits = (await trove.query(`{ search(query: "zebrafish", types: [COLLECTION]) { type field text collection { uid } } }`)).search;
    expect(hits).toEqual([{ type: 'COLLECTION', field: 'key', text: 'atlas/zebrafish-brain', collection: { uid: made.uid } }]);
    const byArtifact = (await trove.query(`query($a: String!) { collections(first: 5, filter: { artifactUid: $a }) { totalCount edges { node { uid } } } }`, { a: member.uid })).collections;
    expect(nodes(byArtifact).map((node) => node.uid)).toEqual([made.uid]);
    const fromArtifact = (await trove.query(`query($a: String!) { artifact(uid: $a) { collections(first: 5) { totalCount edges { node { key } } } } }`, { a: member.uid })).artifact.collections;
    expect(fromArtifact).toMatchObject({ totalCount: 1, edges: [{ node: { key: 'atlas/zebrafish-brain' } }] });
    const described = (await trove.query(`{ collections(first: 5, filter: { descriptionContains: "BRAIN imaging" }) { edges { node { uid } } } }`)).collections;
    expect(nodes(described).map((node) => node.uid)).toEqual([made.uid]);
  });

  it('collects artifacts from local and S3 storage, and the SDK and CLI download them all', async () => {
    const s3 = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root: trove.s3rverRoot })).registerStorage.storage.uid;
    const local = await save('local bytes');
    const remote = await save('s3 bytes', { storageUid: s3, key: 'collections/remote.txt' });
    const unkeyed = (await trove.query(`mutation { createArtifact(input: { content: "no key", suffix: ".txt", description: "unkeyed" }) { ... on ArtifactPayload { artifact { uid } } } }`)).createArtifact.artifact;
    const client = new TroveClient(trove.url, { cacheDir: await mkdtemp(path.join(tmpdir(), 'trove-cache-')) });
    const { collection } = await client.collections.create({ key: 'mixed/set', artifactUids: [remote.uid, local.uid, unkeyed.uid] });
    const directory = await mkdtemp(path.join(tmpdir(), 'trove-collection-'));
    try {
      const files = await client.collections.download({ key: 'mixed/set' }, directory);
      expect(files.map((file) => path.relative(directory, file))).toEqual(['collections/remote.txt', `collections/file-${counter - 1}.txt`, `${unkeyed.uid}.txt`]);
      expect(await Promise.all(files.map((file) => readFile(file, 'utf8')))).toEqual(['s3 bytes', 'local bytes', 'no key']);
      const cached = await client.collections.cache({ uid: collection.uid });
      expect(await readFile(cached[0]!, 'utf8')).toBe('s3 bytes');

      const lines: string[] = [];
      const cli = (...args: string[]) => buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, ...args]);
      await cli('collection', 'show', 'mixed/set');
      expect(lines[0]).toContain(`${collection.uid}  mixed/set  3 artifact(s)  v0000`);
      expect(lines[1]).toContain(`1. ${remote.uid}  collections/remote.txt`);
      lines.length = 0;
      const cliDirectory = path.join(directory, 'from-cli');
      await cli('collection', 'get', collection.uid, cliDirectory);
      expect(lines).toHaveLength(3);
      expect(await readFile(path.join(cliDirectory, 'collections/remote.txt'), 'utf8')).toBe('s3 bytes');
      lines.length = 0;
      await cli('collection', 'create', 'mixed/set', local.uid);
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^created: ${collection.uid.slice(0, 16)}0001  mixed/set  1 artifact\\(s\\)  v0001$`))]);
      lines.length = 0;
      await cli('collection', 'delete', collection.uid, '--permanent');
      expect(lines).toEqual([`deleted: ${collection.uid}`]);
      expect(await trove.services.db.collection.count({ where: { uid: collection.uid } })).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
