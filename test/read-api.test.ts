import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadLoaders } from '../src/db/read-loaders';
import { Prisma } from '../src/db/generated/client';
import { seedCatalog } from './helpers/seed';
import { startTestTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove;
let seeded: Awaited<ReturnType<typeof seedCatalog>>;

beforeAll(async () => {
  trove = await startTestTrove();
  seeded = await seedCatalog(trove.services.db, { artifacts: 120, labelsPerArtifact: 3 });
});
afterAll(async () => trove?.close());

const DEEP_LIST = `query Deep($first: Int!) {
  artifacts(first: $first) {
    totalCount
    edges { node { uid key storage { root } labels { totalCount edges { node { uid name type { name } } } } run { uid transform { key } } } }
  }
}`;

/** SQL statements one operation issues, without transaction bookkeeping. */
async function statementsOf(query: string, variables: Record<string, unknown>) {
  trove.resetQueryLog();
  const result = await trove.graphql(query, variables);
  expect(result.errors).toBeUndefined();
  return { result, statements: trove.queryLog.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(sql)) };
}

describe('read API', () => {
  it('loads 100 artifacts with storage, labels, run and transform in a constant number of SQL statements', async () => {
    const ten = await statementsOf(DEEP_LIST, { first: 10 });
    const hundred = await statementsOf(DEEP_LIST, { first: 100 });
    expect(hundred.result.data.artifacts.edges).toHaveLength(100);
    expect(hundred.result.data.artifacts.totalCount).toBe(120);
    const node = hundred.result.data.artifacts.edges[0].node;
    expect(node.labels.edges).toHaveLength(3);
    expect(node.labels.edges[0].node.type.name).toBe('Project');
    expect(node.storage.root).toBe(trove.localRoot);
    // An N+1 would add statements per artifact; the count must not depend on the page size.
    expect(hundred.statements.length).toBe(ten.statements.length);
    // The page, its count, the label links, their labels and types, then one loader statement each for storages, label
    // counts, runs and transforms.
    expect(hundred.statements.length).toMatchInlineSnapshot(`9`);
  });

  it("loads storages, runs and transforms without Prisma, as the same records Prisma returns", async () => {
    const { db } = trove.services;
    const loaders = createReadLoaders(trove.services.read);
    const run = await db.run.findFirstOrThrow({ where: { params: { not: Prisma.AnyNull } } });
    await db.run.update({ where: { id: run.id }, data: { finishedAt: new Date('2026-01-02T03:04:05.678Z') } });
    const storage = await db.storage.findFirstOrThrow({ where: { isDefault: true } });
    const [loadedRun, loadedTransform, loadedStorage] = await Promise.all([
      loaders.run.load(run.id),
      loaders.transform.load(run.transformId),
      loaders.storage.load(storage.id),
    ]);
    // Timestamps are stored without a zone: read as UTC whatever the server's time zone, as Prisma does.
    expect(loadedRun).toStrictEqual(await db.run.findUniqueOrThrow({ where: { id: run.id } }));
    expect((loadedRun as { finishedAt: Date }).finishedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(loadedTransform).toStrictEqual(await db.transform.findUniqueOrThrow({ where: { id: run.transformId } }));
    expect(loadedStorage).toStrictEqual(storage);
    await expect(loaders.storage.load(2_000_000_000)).rejects.toThrow('Storage 2000000000 not found');
  });

  it('counts the labels of a page of artifacts with one index-backed statement, without loading the links', async () => {
    const counted = await statementsOf(`{ artifacts(first: 100) { edges { node { uid labels { totalCount } } } } }`, {});
    expect(counted.result.data.artifacts.edges.map((edge: any) => edge.node.labels.totalCount)).toEqual(Array(100).fill(3));
    // The page, then the counts of its artifacts' links: no link row or label is read, and the count is limited to the
    // page's artifacts (Prisma's relation count grouped the whole link table).
    expect(counted.statements).toHaveLength(2);
    expect(counted.statements[1]).toMatch(/count\(\*\).*FROM "ArtifactULabel" WHERE "artifactId" = ANY/s);
  });

  it('pages the lists inside a record (labels, lineage links) as connections, and counts them without loading them', async () => {
    const uid = seeded.artifacts[0]!.uid;
    const PAGE = `query($uid: String, $after: String) { artifact(uid: $uid) { labels(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } } }`;
    const first = (await trove.query(PAGE, { uid })).artifact.labels;
    expect(first).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(first.edges).toHaveLength(2);
    const rest = (await trove.query(PAGE, { uid, after: first.pageInfo.endCursor })).artifact.labels;
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const names = [...first.edges, ...rest.edges].map((edge: any) => edge.node.name);
    expect(new Set(names).size).toBe(3);
    // Only the counts: no node is selected, and the query is still valid.
    const counts = await trove.query(`query($uid: String) { artifact(uid: $uid) { labels { totalCount } inputOfRuns { totalCount } recreatingRuns { totalCount } } }`, { uid });
    expect(counts.artifact).toEqual({ labels: { totalCount: 3 }, inputOfRuns: { totalCount: 0 }, recreatingRuns: { totalCount: 0 } });
    const runCounts = await trove.query(`query($uid: String!) { run(uid: $uid) { inputArtifacts { totalCount } recreatedArtifacts { totalCount } outputArtifacts { totalCount } } }`, { uid: seeded.run.uid });
    expect(runCounts.run).toEqual({ inputArtifacts: { totalCount: 0 }, recreatedArtifacts: { totalCount: 0 }, outputArtifacts: { totalCount: 60 } });
  });

  it('pages with Relay cursors and a max page size', async () => {
    const first = await trove.query(`{ artifacts(first: 50, orderBy: { field: KEY, direction: ASC }) { pageInfo { hasNextPage endCursor } edges { node { key } } } }`);
    expect(first.artifacts.edges[0].node.key).toBe('data/file-000.csv');
    expect(first.artifacts.pageInfo.hasNextPage).toBe(true);
    const second = await trove.query(
      `query($after: String) { artifacts(first: 100, after: $after, orderBy: { field: KEY, direction: ASC }) { pageInfo { hasNextPage } edges { node { key } } } }`,
      { after: first.artifacts.pageInfo.endCursor },
    );
    expect(second.artifacts.edges[0].node.key).toBe('data/file-050.csv');
    expect(second.artifacts.edges).toHaveLength(70);
    expect(second.artifacts.pageInfo.hasNextPage).toBe(false);
    // Pages are capped at 100 nodes whatever `first` asks for.
    const tooMany = await trove.query(`{ artifacts(first: 500) { edges { node { uid } } } }`);
    expect(tooMany.artifacts.edges).toHaveLength(100);
  });

  it('filters by key prefix, label, run, hash, branch, suffix and creation time; default lists hide the trash', async () => {
    const byPrefix = await trove.query(`{ artifacts(filter: { keyPrefix: "data/file-01" }) { totalCount } }`);
    expect(byPrefix.artifacts.totalCount).toBe(10);
    const byRun = await trove.query(`query($run: String) { artifacts(filter: { runUid: $run }) { totalCount } }`, { run: seeded.run.uid });
    expect(byRun.artifacts.totalCount).toBe(60);
    const byLabel = await trove.query(`query($l: String) { artifacts(filter: { labelUid: $l }) { totalCount } }`, { l: seeded.labels[0]!.uid });
    expect(byLabel.artifacts.totalCount).toBe(120);
    const byLabelType = await trove.query(`query($l: String) { artifacts(filter: { labelTypeUid: $l }) { totalCount } }`, { l: seeded.labelType.uid });
    expect(byLabelType.artifacts.totalCount).toBe(120);
    // A fragment of the description in any case; % and _ are matched literally.
    await trove.services.db.artifact.update({ where: { id: seeded.artifacts[5]!.id }, data: { description: 'Counts of 10x_Chromium run 7 (100% QC)' } });
    const byDescription = async (fragment: string) =>
      (await trove.query(`query($d: String) { artifacts(filter: { descriptionContains: $d }) { edges { node { uid } } } }`, { d: fragment })).artifacts.edges.map((edge: any) => edge.node.uid);
    expect(await byDescription('10X_CHROMIUM')).toEqual([seeded.artifacts[5]!.uid]);
    expect(await byDescription('100% qc')).toEqual([seeded.artifacts[5]!.uid]);
    expect(await byDescription('10%')).toEqual([]);
    expect(await byDescription('x_c')).toEqual([seeded.artifacts[5]!.uid]);
    expect(await byDescription('counts_of')).toEqual([]); // "_" is no wildcard: the description says "Counts of"

    const trashed = seeded.artifacts[0]!;
    await trove.services.db.artifact.update({ where: { id: trashed.id }, data: { branch: 'TRASH' } });
    const main = await trove.query(`{ artifacts { totalCount } }`);
    expect(main.artifacts.totalCount).toBe(119);
    const trash = await trove.query(`{ artifacts(filter: { branch: TRASH }) { totalCount edges { node { uid } } } }`);
    expect(trash.artifacts.edges.map((edge: any) => edge.node.uid)).toEqual([trashed.uid]);
    const byUid = await trove.query(`query($uid: String) { artifact(uid: $uid) { uid branch } }`, { uid: trashed.uid });
    expect(byUid.artifact).toEqual({ uid: trashed.uid, branch: 'TRASH' });
    const byHash = await trove.query(`query($h: String) { artifacts(filter: { hash: $h }) { totalCount } }`, { h: trashed.hash });
    expect(byHash.artifacts.totalCount).toBe(1);
    await trove.services.db.artifact.update({ where: { id: trashed.id }, data: { branch: 'MAIN' } });

    // Two older parquet files: suffix and creation time filter on their own and together.
    const older = seeded.artifacts.slice(1, 3).map((artifact) => artifact.id);
    await trove.services.db.artifact.updateMany({ where: { id: { in: older } }, data: { suffix: '.parquet', createdAt: new Date('2025-01-15T00:00:00Z') } });
    const bySuffix = await trove.query(`{ artifacts(filter: { suffix: ".parquet" }) { totalCount } }`);
    expect(bySuffix.artifacts.totalCount).toBe(2);
    const before = await trove.query(`{ artifacts(filter: { createdBefore: "2025-02-01T00:00:00Z" }) { totalCount } }`);
    expect(before.artifacts.totalCount).toBe(2);
    const inRange = await trove.query(`{ artifacts(filter: { createdAfter: "2025-01-15T00:00:00Z", createdBefore: "2025-01-16T00:00:00Z", suffix: ".parquet" }) { totalCount } }`);
    expect(inRange.artifacts.totalCount).toBe(2);
    const after = await trove.query(`{ artifacts(filter: { createdAfter: "2025-02-01T00:00:00Z" }) { totalCount } }`);
    expect(after.artifacts.totalCount).toBe(118);
    await trove.services.db.artifact.updateMany({ where: { id: { in: older } }, data: { suffix: '.csv', createdAt: new Date() } });
  });

  it('navigates relations both ways and resolves Relay node ids', async () => {
    const data = await trove.query(
      `query($run: String!) { run(uid: $run) { id params transform { key runs { totalCount } } outputArtifacts(first: 5) { totalCount edges { node { uid run { uid } } } } } }`,
      { run: seeded.run.uid },
    );
    expect(data.run.transform).toEqual({ key: 'pipelines/ingest.py', runs: { totalCount: 1 } });
    expect(data.run.params).toEqual({ batch: 3 });
    expect(data.run.outputArtifacts.totalCount).toBe(60);
    const node = await trove.query(`query($id: ID!) { node(id: $id) { __typename ... on Run { uid } } }`, { id: data.run.id });
    expect(node.node).toEqual({ __typename: 'Run', uid: seeded.run.uid });

    const label = await trove.query(
      `query($uid: String!) { ulabel(uid: $uid) { name type { name children { totalCount edges { node { name } } } } artifacts(first: 1) { totalCount } } }`,
      { uid: seeded.labels[1]!.uid },
    );
    expect(label.ulabel.type.children.edges.map((edge: any) => edge.node.name)).toEqual(['project 0', 'project 1', 'project 2']);
    expect(label.ulabel.type.children.totalCount).toBe(3);
    expect(label.ulabel.artifacts.totalCount).toBe(120);

    const storage = await trove.query(`{ storages { edges { node { artifacts(first: 1) { totalCount } createdBy { handle } } } } }`);
    expect(storage.storages.edges[0].node).toEqual({ artifacts: { totalCount: 120 }, createdBy: { handle: 'trove' } });
    const users = await trove.query(`{ users { totalCount edges { node { handle artifacts(first: 1) { totalCount } } } } }`);
    expect(users.users).toEqual({ totalCount: 1, edges: [{ node: { handle: 'trove', artifacts: { totalCount: 120 } } }] });
    const transforms = await trove.query(`{ transforms(filter: { kind: PIPELINE }) { totalCount } runs(filter: { paramsContain: { batch: 3 } }) { totalCount } }`);
    expect(transforms).toEqual({ transforms: { totalCount: 1 }, runs: { totalCount: 1 } });
    const noRuns = await trove.query(`{ runs(filter: { paramsContain: { batch: 4 } }) { totalCount } }`);
    expect(noRuns.runs.totalCount).toBe(0);
  });

  it('finds the latest version by key and lists the versions of a family', async () => {
    const first = seeded.artifacts[5]!;
    const stem = first.uid.slice(0, 16);
    const db = trove.services.db;
    await db.artifact.update({ where: { id: first.id }, data: { isLatest: false } });
    const second = await db.artifact.create({
      data: { uid: `${stem}0001`, key: first.key, suffix: '.csv', storageKey: `.lamindb/${stem}0001.csv`, storageId: first.storageId, createdById: first.createdById },
    });
    const data = await trove.query(`query($key: String) { artifact(key: $key) { uid version isLatest versions { edges { node { uid isLatest } } } } }`, { key: first.key });
    expect(data.artifact).toEqual({
      uid: second.uid,
      version: '0001',
      isLatest: true,
      versions: { edges: [{ node: { uid: first.uid, isLatest: false } }, { node: { uid: second.uid, isLatest: true } }] },
    });
    const invalid = await trove.graphql(`{ artifact(uid: "a", key: "b") { uid } }`);
    expect(invalid.errors?.[0]?.message).toMatch(/exactly one of `uid`, `key` or `path`/);
    expect(invalid.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });

  it('refuses queries past the depth limit', async () => {
    const deep = `{ artifacts { edges { node { run { transform { runs { edges { node { outputArtifacts { edges { node { run { uid } } } } } } } } } } } } }`;
    const result = await trove.graphql(deep);
    expect(result.errors?.[0]?.message).toMatch(/depth/i);
  });
});
