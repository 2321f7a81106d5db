// Seed 004 (records half): labels that are not duplicated, SimilarNames for a person to decide, transforms and runs
// that re-running a script does not multiply, and lineage between runs and artifacts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createULabels } from '../src/domain/labels';
import { nodes, startTestTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove;
beforeAll(async () => {
  trove = await startTestTrove();
});
afterAll(async () => trove?.close());

const CREATE_LABEL = `mutation($label: ULabelInput!, $searchNames: Boolean) { createULabel(input: { label: $label, searchNames: $searchNames }) {
  __typename
  ... on ULabelPayload { created ulabel { uid name type { name } } }
  ... on SimilarNames { code message requestedName similar { score ulabel { name } } }
  ... on Error { code message }
} }`;
const label = async (name: string, extra: Record<string, unknown> = {}, searchNames?: boolean) =>
  (await trove.query(CREATE_LABEL, { label: { name, ...extra }, searchNames })).createULabel;

describe('labels (seed 004)', () => {
  it('replays the seed: create, similar names, exact match, two alternatives, search switched off', async () => {
    const first = await label('My project 1');
    expect(first).toMatchObject({ __typename: 'ULabelPayload', created: true });
    expect(first.ulabel.uid).toMatch(/^[0-9A-Za-z]{8}$/);

    const similar = await label('My project 1a');
    expect(similar).toMatchObject({ __typename: 'SimilarNames', code: 'SIMILAR_NAMES', requestedName: 'My project 1a' });
    expect(similar.similar.map((item: any) => item.ulabel.name)).toEqual(['My project 1']);
    expect(await trove.services.db.uLabel.count()).toBe(1);

    const created1a = await label('My project 1a', {}, false);
    expect(created1a).toMatchObject({ created: true, ulabel: { name: 'My project 1a' } });

    const exact = await label('My project 1');
    expect(exact).toMatchObject({ created: false, ulabel: { uid: first.ulabel.uid } });

    const two = await label('My project 1b');
    expect(two.__typename).toBe('SimilarNames');
    expect(two.similar.map((item: any) => item.ulabel.name).sort()).toEqual(['My project 1', 'My project 1a']);
    // Best first: scores never increase down the list.
    expect(two.similar[0].score).toBeGreaterThanOrEqual(two.similar[1].score);

    expect(await label('My project 1c', {}, false)).toMatchObject({ created: true });
    expect(await trove.services.db.uLabel.count()).toBe(3);
  });

  it('finds near misses by trigram similarity that the substring rule misses', async () => {
    await label('Hepatocyte', {}, false);
    const typo = await label('Hepatocite');
    expect(typo.__typename).toBe('SimilarNames');
    expect(typo.similar[0].ulabel.name).toBe('Hepatocyte');
    expect((await label('Completely different')).__typename).toBe('ULabelPayload');
  });

  it('types group child labels; names are unique within a type; artifacts filter by label and by label type', async () => {
    const cellType = await label('CellType', { isType: true }, false);
    const tcell = await label('T cell', { typeUid: cellType.ulabel.uid }, false);
    expect(tcell.ulabel.type).toEqual({ name: 'CellType' });
    const again = await label('T cell', { typeUid: cellType.ulabel.uid });
    expect(again).toMatchObject({ created: false, ulabel: { uid: tcell.ulabel.uid } });
    expect((await label('x', { typeUid: tcell.ulabel.uid })).code).toBe('INVALID_INPUT');

    const saved = await trove.query(`mutation { createArtifact(input: { content: "cells", description: "cells" }) { ... on ArtifactPayload { artifact { uid } } } }`);
    const uid = saved.createArtifact.artifact.uid;
    const LABELS = `{ totalCount edges { node { name } } }`;
    const labeled = await trove.query(`mutation($uid: String!, $labels: [String!]!) { addLabels(input: { artifactUid: $uid, labelUids: $labels }) { ... on AddLabelsPayload { artifact { labels ${LABELS} } } } }`, { uid, labels: [tcell.ulabel.uid] });
    expect(labeled.addLabels.artifact.labels).toEqual({ totalCount: 1, edges: [{ node: { name: 'T cell' } }] });
    await trove.query(`mutation($uid: String!, $labels: [String!]!) { addLabels(input: { artifactUid: $uid, labelUids: $labels }) { __typename } }`, { uid, labels: [tcell.ulabel.uid] });
    const byType = await trove.query(`query($t: String) { artifacts(filter: { labelTypeUid: $t }) { totalCount } }`, { t: cellType.ulabel.uid });
    expect(byType.artifacts.totalCount).toBe(1);
    const removed = await trove.query(`mutation($uid: String!, $labels: [String!]!) { removeLabels(input: { artifactUid: $uid, labelUids: $labels }) { ... on RemoveLabelsPayload { artifact { labels ${LABELS} } } } }`, { uid, labels: [tcell.ulabel.uid] });
    expect(removed.removeLabels.artifact.labels).toEqual({ totalCount: 0, edges: [] });
    const missing = await trove.query(`mutation($uid: String!) { addLabels(input: { artifactUid: $uid, labelUids: ["nope0000"] }) { __typename ... on Error { code } } }`, { uid });
    expect(missing.addLabels).toEqual({ __typename: 'NotFound', code: 'NOT_FOUND' });
  });

  it('concurrent creations of one name give one record', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => label('Concurrent name', {}, false)));
    expect(new Set(results.map((result) => result.ulabel.uid)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
  });

  it('bulk creation answers per input in a constant number of SQL statements (10 and 10,000 labels)', async () => {
    const user = trove.services.user;
    const counts: Record<number, number> = {};
    for (const size of [10, 10_000]) {
      const inputs = Array.from({ length: size }, (_, index) => ({ name: `bulk-${size}-${index}` }));
      trove.resetQueryLog();
      const outcomes = await createULabels(trove.services.db, inputs, { searchNames: false, createdById: user.id });
      counts[size] = trove.queryLog.length;
      expect(outcomes.every((outcome) => outcome.kind === 'created')).toBe(true);
      expect(outcomes[0]!.kind !== 'similar' && outcomes[0]!.ulabel.createdAt).toBeInstanceOf(Date);
    }
    expect(counts[10]).toBe(counts[10_000]);
    expect(counts[10_000]).toBeLessThanOrEqual(5);
    // With the similar-name search: one more statement, still constant.
    trove.resetQueryLog();
    const searched = await trove.query(`mutation($inputs: [ULabelInput!]!) { createULabels(input: { labels: $inputs, searchNames: true }) {
      ... on CreateULabelsPayload { results { __typename ... on ULabelPayload { created } ... on SimilarNames { similar { ulabel { name } } } } } } }`, {
      inputs: [{ name: 'bulk-10-3' }, { name: 'My project 1x' }, { name: 'brand new label' }, { name: 'brand new label' }],
    });
    expect(searched.createULabels.results.map((result: any) => result.__typename)).toEqual(['ULabelPayload', 'SimilarNames', 'ULabelPayload', 'ULabelPayload']);
    expect(searched.createULabels.results[0].created).toBe(false);
    expect(searched.createULabels.results.slice(2).map((result: any) => result.created)).toEqual([true, false]);
    console.log(`bulk label creation: ${counts[10]} SQL statements for 10 labels, ${counts[10_000]} for 10,000`);
  });
});

describe('transforms, runs and lineage', () => {
  const CREATE_TRANSFORM = `mutation($input: CreateTransformInput!) { createTransform(input: $input) {
    __typename ... on TransformPayload { created transform { uid version isLatest } } ... on Error { code } } }`;

  it('versions transforms by source; re-running returns the existing one; a used version tag is refused', async () => {
    const v1 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/ingest.py', kind: 'SCRIPT', sourceCode: 'print(1)', versionTag: '1' } })).createTransform;
    expect(v1).toMatchObject({ created: true, transform: { version: '0000', isLatest: true } });
    expect(v1.transform.uid).toMatch(/^[0-9A-Za-z]{12}0000$/);
    const rerun = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/ingest.py', kind: 'SCRIPT', sourceCode: 'print(1)' } })).createTransform;
    expect(rerun).toMatchObject({ created: false, transform: { uid: v1.transform.uid } });
    const v2 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/ingest.py', kind: 'SCRIPT', sourceCode: 'print(2)' } })).createTransform;
    expect(v2).toMatchObject({ created: true, transform: { version: '0001', isLatest: true } });
    expect(v2.transform.uid.slice(0, 12)).toBe(v1.transform.uid.slice(0, 12));
    const taken = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/ingest.py', kind: 'SCRIPT', sourceCode: 'print(3)', versionTag: '1' } })).createTransform;
    expect(taken).toEqual({ __typename: 'VersionTagTaken', code: 'VERSION_TAG_TAKEN' });
    expect(await trove.services.db.transform.count({ where: { key: 'scripts/ingest.py', isLatest: true } })).toBe(1);
  });

  it('tracks runs, outputs, inputs and re-creating runs (seed 004 lineage), and answers the upstream graph', async () => {
    const transform = (await trove.query(CREATE_TRANSFORM, { input: { key: 'notebooks/idempotency.ipynb', kind: 'NOTEBOOK', sourceCode: 'ln.track()' } })).createTransform.transform;
    const start = async (params: unknown) =>
      (await trove.query(`mutation($t: String!, $p: JSONObject) { startRun(input: { transformUid: $t, params: $p }) { ... on StartRunPayload { run { uid status } } } }`, { t: transform.uid, p: params })).startRun.run;
    const run1 = await start({ batch: 1 });
    expect(run1.status).toBe('STARTED');
    const runsBefore = await trove.services.db.run.count();
    // Run parameters are a JSON object (LaminDB: a dict): anything else is refused by the JSONObject scalar.
    for (const params of [[1, 2], 'batch=1', 3]) {
      const refused = await trove.graphql(`mutation($t: String!, $p: JSONObject) { startRun(input: { transformUid: $t, params: $p }) { __typename } }`, { t: transform.uid, p: params });
      expect(refused.errors?.[0]?.message).toMatch(/JSONObject cannot represent non-object value/);
    }
    expect(await trove.services.db.run.count()).toBe(runsBefore);

    const raw = (await trove.query(`mutation($run: String) { createArtifact(input: { content: "raw data", description: "raw", runUid: $run }) { ... on ArtifactPayload { artifact { uid run { uid } } } } }`, { run: run1.uid })).createArtifact.artifact;
    expect(raw.run.uid).toBe(run1.uid);

    const run2 = await start({ batch: 2 });
    // Re-saving the same content in another run: same artifact, creating run kept, run2 re-creates it.
    const again = (await trove.query(`mutation($run: String) { createArtifact(input: { content: "raw data", description: "raw", runUid: $run }) {
      ... on ArtifactPayload { created artifact { uid run { uid } recreatingRuns { totalCount edges { node { uid } } } } } } }`, { run: run2.uid })).createArtifact;
    expect(again).toMatchObject({ created: false, artifact: { uid: raw.uid, run: { uid: run1.uid } } });
    expect(nodes(again.artifact.recreatingRuns)).toEqual([{ uid: run2.uid }]);

    // run2 reads raw: not an input, since run2 re-created it. run3 reads it: an input.
    const READ = `mutation($uid: String, $run: String!) { readArtifact(input: { uid: $uid, runUid: $run }) {
      ... on ReadArtifactPayload { recordedAsInput artifact { uid inputOfRuns { edges { node { uid } } } } } } }`;
    expect((await trove.query(READ, { uid: raw.uid, run: run2.uid })).readArtifact.recordedAsInput).toBe(false);
    const run3 = await start({ batch: 3 });
    // The answer already shows the input it recorded (no stale read).
    expect((await trove.query(READ, { uid: raw.uid, run: run3.uid })).readArtifact).toEqual({ recordedAsInput: true, artifact: { uid: raw.uid, inputOfRuns: { edges: [{ node: { uid: run3.uid } }] } } });
    // Queries never write: the lookup has no way to record lineage.
    const asQuery = await trove.graphql(`query($uid: String, $run: String) { artifact(uid: $uid, asInputOf: $run) { uid } }`, { uid: raw.uid, run: run2.uid });
    expect(asQuery.errors?.[0]?.message).toContain('Unknown argument "asInputOf"');
    const derived = (await trove.query(`mutation($run: String) { createArtifact(input: { content: "derived", description: "derived", runUid: $run }) { ... on ArtifactPayload { artifact { uid } } } }`, { run: run3.uid })).createArtifact.artifact;
    const INPUTS = `inputArtifacts { totalCount edges { node { uid } } }`;
    const runs = await trove.query(`query($a: String!, $b: String!) { a: run(uid: $a) { ${INPUTS} } b: run(uid: $b) { ${INPUTS} outputArtifacts { edges { node { uid } } } } }`, { a: run2.uid, b: run3.uid });
    expect(runs.a.inputArtifacts).toEqual({ totalCount: 0, edges: [] });
    expect(runs.b.inputArtifacts).toEqual({ totalCount: 1, edges: [{ node: { uid: raw.uid } }] });
    expect(runs.b.outputArtifacts.edges).toEqual([{ node: { uid: derived.uid } }]);

    const finished = await trove.query(`mutation($uid: String!) { finishRun(input: { runUid: $uid, status: COMPLETED }) { ... on FinishRunPayload { run { status finishedAt } } } }`, { uid: run3.uid });
    expect(finished.finishRun.run.status).toBe('COMPLETED');
    expect(finished.finishRun.run.finishedAt).not.toBeNull();
    const completed = await trove.query(`query($t: String) { runs(filter: { transformUid: $t, status: COMPLETED, paramsContain: { batch: 3 } }) { totalCount } }`, { t: transform.uid });
    expect(completed.runs.totalCount).toBe(1);

    trove.resetQueryLog();
    const lineage = (await trove.query(`query($uid: String) { artifact(uid: $uid) { lineage(depth: 5) {
      artifacts { id uid } runs { id uid } transforms { id uid key } edges { source target kind } } } }`, { uid: derived.uid })).artifact.lineage;
    expect(lineage.artifacts.map((artifact: any) => artifact.uid).sort()).toEqual([raw.uid, derived.uid].sort());
    expect(lineage.runs.map((run: any) => run.uid).sort()).toEqual([run1.uid, run3.uid].sort());
    expect(lineage.transforms.map((item: any) => item.key)).toEqual(['notebooks/idempotency.ipynb']);
    // Edges name nodes by the same ids the nodes carry, so a client joins them without parsing.
    const idOf = new Map<string, string>([...lineage.artifacts, ...lineage.runs, ...lineage.transforms].map((node: any) => [node.uid, node.id]));
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { source: idOf.get(run3.uid), target: idOf.get(derived.uid), kind: 'OUTPUT' },
        { source: idOf.get(raw.uid), target: idOf.get(run3.uid), kind: 'INPUT' },
        { source: idOf.get(run1.uid), target: idOf.get(raw.uid), kind: 'OUTPUT' },
        { source: idOf.get(transform.uid), target: idOf.get(run1.uid), kind: 'TRANSFORM' },
      ]),
    );
    const ids = new Set(idOf.values());
    for (const edge of lineage.edges) expect(ids.has(edge.source) && ids.has(edge.target)).toBe(true);
  });
});
