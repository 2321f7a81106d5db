// search(query): artifacts (key, description), labels (name) and transforms (key, description), ranked by word
// similarity, with where the query occurs; latest versions on MAIN only; a fuzzy match has no literal offset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const SEARCH = `query($query: String!, $types: [SearchType!]) { search(query: $query, types: $types) {
  type score field text matchStart matchLength artifact { uid key } ulabel { uid name } transform { uid key } } }`;

describe('search', () => {
  let trove: TestTrove & { url: string };
  const uids: Record<string, string> = {};
  beforeAll(async () => {
    trove = await startListeningTrove();
    const save = async (name: string, input: Record<string, unknown>) => {
      const result = await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid } } } }`, { input });
      uids[name] = result.createArtifact.artifact.uid;
    };
    await save('old', { content: 'v1', key: 'datasets/Iris_v2.csv' });
    await save('iris', { content: 'v2', key: 'datasets/Iris_v2.csv' }); // the latest version under the key
    await save('flowers', { content: 'petals', description: 'Flower measurements of three species' });
    await save('trashed', { content: 'gone', key: 'datasets/iris_old.csv' });
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid }) { __typename } }`, { uid: uids.trashed });
    await save('other', { content: 'unrelated', key: 'images/cat.png' });
    const label = await trove.query(`mutation { createULabel(input: { label: { name: "Iris setosa" }, searchNames: false }) { ... on ULabelPayload { ulabel { uid } } } }`);
    uids.label = label.createULabel.ulabel.uid;
    const transform = await trove.query(`mutation { createTransform(input: { key: "pipelines/clean_iris.py", kind: SCRIPT }) { ... on TransformPayload { transform { uid } } } }`);
    uids.transform = transform.createTransform.transform.uid;
  });
  afterAll(async () => trove?.close());

  it('finds artifacts, labels and transforms containing the word, best first, with where it occurs', async () => {
    const hits = (await trove.query(SEARCH, { query: 'iris' })).search;
    const found = hits.map((hit: any) => hit.artifact?.uid ?? hit.ulabel?.uid ?? hit.transform?.uid);
    expect(new Set(found)).toEqual(new Set([uids.iris, uids.label, uids.transform]));
    const scores = hits.map((hit: any) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const artifactHit = hits.find((hit: any) => hit.type === 'ARTIFACT');
    expect(artifactHit).toMatchObject({ field: 'key', text: 'datasets/Iris_v2.csv', matchStart: 9, matchLength: 4, artifact: { key: 'datasets/Iris_v2.csv' } });
    expect(hits.find((hit: any) => hit.type === 'ULABEL')).toMatchObject({ field: 'name', text: 'Iris setosa', matchStart: 0, matchLength: 4, ulabel: { name: 'Iris setosa' } });
    expect(hits.find((hit: any) => hit.type === 'TRANSFORM')).toMatchObject({ field: 'key', matchStart: 16, transform: { key: 'pipelines/clean_iris.py' } });
  });

  it('narrows to types, matches a misspelt word without a literal offset, and refuses a query under 3 characters', async () => {
    const labels = (await trove.query(SEARCH, { query: 'iris', types: ['ULABEL'] })).search;
    expect(labels.map((hit: any) => hit.type)).toEqual(['ULABEL']);
    const fuzzy = (await trove.query(SEARCH, { query: 'measurments' })).search;
    expect(fuzzy).toHaveLength(1);
    expect(fuzzy[0]).toMatchObject({ type: 'ARTIFACT', field: 'description', matchStart: null, matchLength: 0, artifact: { uid: uids.flowers } });
    expect((await trove.query(SEARCH, { query: 'zebra' })).search).toEqual([]);
    const short = await trove.graphql(SEARCH, { query: 'ir' });
    expect(short.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });

  it('works from the SDK and the CLI', async () => {
    const hits = await new TroveClient(trove.url).search('setosa');
    expect(hits).toEqual([expect.objectContaining({ type: 'ULABEL', uid: uids.label, text: 'Iris setosa', matchStart: 5 })]);
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'search', 'iris', '--type', 'TRANSFORM']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^TRANSFORM +${uids.transform}  [01]\\.\\d\\d  key: pipelines/clean_iris.py$`));
  });
});
