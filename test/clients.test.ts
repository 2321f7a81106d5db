// The schema as real clients use it: Apollo Client 4 with a normalized cache (generated possibleTypes, relay-style
// pagination, union results, eviction after a permanent delete, lineage edges joined by node ids), and every
// operation the SDK sends within the query limits that hostile queries hit.
import { readFile } from 'node:fs/promises';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import possibleTypes from '../src/client/generated/possible-types';
import { startListeningTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove & { url: string };
let client: ApolloClient;

beforeAll(async () => {
  trove = await startListeningTrove();
  client = new ApolloClient({
    link: new HttpLink({ uri: `${trove.url}/graphql`, fetch }),
    cache: new InMemoryCache({
      possibleTypes: possibleTypes.possibleTypes,
      typePolicies: { Query: { fields: { artifacts: relayStylePagination(['filter', 'orderBy']) } } },
    }),
  });
});
afterAll(async () => trove?.close());

const CREATE = gql`
  mutation Create($input: CreateArtifactInput!) {
    createArtifact(input: $input) {
      __typename
      ... on ArtifactPayload { created artifact { id uid key size createdAt } }
      ... on Error { code message }
      ... on InvalidInput { field }
    }
  }
`;

const LIST = gql`
  query List($first: Int, $after: String, $filter: ArtifactFilter) {
    artifacts(first: $first, after: $after, filter: $filter, orderBy: { field: KEY, direction: ASC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id uid key } }
    }
  }
`;

async function create(input: Record<string, unknown>) {
  const { data } = await client.mutate<any>({ mutation: CREATE, variables: { input } });
  return data.createArtifact;
}

describe('Apollo Client 4 against a running Trove', () => {
  it('reads union results through generated possibleTypes: payloads, and errors through the Error interface', async () => {
    const saved = await create({ content: 'a,b\n1,2\n', key: 'apollo/a.csv' });
    expect(saved).toMatchObject({ __typename: 'ArtifactPayload', created: true, artifact: { key: 'apollo/a.csv', size: 8 } });
    expect(saved.artifact.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // `... on Error` matches InvalidInput only because the cache knows InvalidInput implements Error.
    const refused = await create({ content: 'x', key: '../escape.csv' });
    expect(refused).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT', field: 'input.key' });
    expect(refused.message).toBeTruthy();
    // The artifact is normalized under its node id.
    const cached = client.cache.extract() as Record<string, any>;
    expect(cached[`Artifact:${saved.artifact.id}`]).toMatchObject({ uid: saved.artifact.uid, key: 'apollo/a.csv' });
  });

  it('pages with relayStylePagination: fetchMore appends the next page to the cached connection', async () => {
    for (const name of ['b', 'c', 'd', 'e']) await create({ content: `content ${name}`, key: `apollo/${name}.csv` });
    const byPrefix = { keyPrefix: 'apollo/' };
    const watched = client.watchQuery<any>({ query: LIST, variables: { first: 2, filter: byPrefix } });
    const first: any = await firstValueFrom(watched.pipe(filter((result) => !result.loading && Boolean(result.data))));
    expect(first.data.artifacts.edges.map((edge: any) => edge.node.key)).toEqual(['apollo/a.csv', 'apollo/b.csv']);
    await watched.fetchMore({ variables: { after: first.data.artifacts.pageInfo.endCursor } });
    const merged = client.readQuery<any>({ query: LIST, variables: { first: 2, filter: byPrefix } });
    expect(merged.artifacts.edges.map((edge: any) => edge.node.key)).toEqual(['apollo/a.csv', 'apollo/b.csv', 'apollo/c.csv', 'apollo/d.csv']);
    expect(merged.artifacts.totalCount).toBe(5);
  });

  it('evicts a permanently deleted artifact by the id the delete answers', async () => {
    const doomed = await create({ content: 'to be deleted', key: 'apollo/zz-doomed.csv' });
    const filter = { keyPrefix: 'apollo/zz-' };
    await client.query({ query: LIST, variables: { first: 10, filter } });
    const id = client.cache.identify({ __typename: 'Artifact', id: doomed.artifact.id })!;
    expect((client.cache.extract() as Record<string, unknown>)[id]).toBeDefined();
    const { data } = await client.mutate<any>({
      mutation: gql`
        mutation Delete($input: DeleteArtifactInput!) {
          deleteArtifact(input: $input) { __typename ... on DeleteArtifactPayload { deletedId artifact { id } } ... on Error { code } }
        }
      `,
      variables: { input: { uid: doomed.artifact.uid, permanent: true } },
      update(cache, { data: result }) {
        const deletedId = (result as any)?.deleteArtifact?.deletedId;
        if (deletedId) cache.evict({ id: cache.identify({ __typename: 'Artifact', id: deletedId }) });
        cache.gc();
      },
    });
    expect(data.deleteArtifact).toEqual({ __typename: 'DeleteArtifactPayload', deletedId: doomed.artifact.id, artifact: null });
    expect((client.cache.extract() as Record<string, unknown>)[id]).toBeUndefined();
    const afterDelete = client.readQuery<any>({ query: LIST, variables: { first: 10, filter } });
    expect(afterDelete.artifacts.edges).toEqual([]);
    expect(await trove.services.db.artifact.count({ where: { uid: doomed.artifact.uid } })).toBe(0);
  });

  it('joins lineage edges to the cached nodes by their ids', async () => {
    const mutate = async (mutation: string, variables: Record<string, unknown>) => (await client.mutate<any>({ mutation: gql(mutation), variables })).data;
    const transform = (await mutate(`mutation($input: CreateTransformInput!) { createTransform(input: $input) { ... on TransformPayload { transform { id uid } } } }`, {
      input: { key: 'apollo/pipeline.py', kind: 'SCRIPT', sourceCode: 'print(1)' },
    })).createTransform.transform;
    const run = (await mutate(`mutation($input: StartRunInput!) { startRun(input: $input) { ... on StartRunPayload { run { id uid params } } } }`, {
      input: { transformUid: transform.uid, params: { batch: 7 } },
    })).startRun.run;
    expect(run.params).toEqual({ batch: 7 });
    const input = await create({ content: 'lineage input', key: 'apollo/lineage/in.csv' });
    await mutate(`mutation($input: MarkInputsInput!) { markInputs(input: $input) { ... on MarkInputsPayload { recorded } } }`, {
      input: { runUid: run.uid, artifactUids: [input.artifact.uid] },
    });
    const output = await create({ content: 'lineage output', key: 'apollo/lineage/out.csv', runUid: run.uid });
    const { data } = await client.query<any>({
      query: gql`
        query Lineage($uid: String) {
          artifact(uid: $uid) { id lineage { artifacts { id } runs { id } transforms { id } edges { source target kind } } }
        }
      `,
      variables: { uid: output.artifact.uid },
    });
    const { lineage } = data.artifact;
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { __typename: 'LineageEdge', source: run.id, target: output.artifact.id, kind: 'OUTPUT' },
        { __typename: 'LineageEdge', source: input.artifact.id, target: run.id, kind: 'INPUT' },
        { __typename: 'LineageEdge', source: transform.id, target: run.id, kind: 'TRANSFORM' },
      ]),
    );
    const cache = client.cache.extract() as Record<string, unknown>;
    for (const edge of lineage.edges) {
      const ends = [edge.source, edge.target].map((id: string) => ['Artifact', 'Run', 'Transform'].map((type) => `${type}:${id}`).find((key) => key in cache));
      expect(ends.every(Boolean)).toBe(true);
    }
  });
});

describe('query limits', () => {
  it('lets every operation the SDK sends through, and refuses a query that multiplies nested pages', async () => {
    const source = await readFile(new URL('../src/client/operations.graphql', import.meta.url), 'utf8');
    const parts = source.split(/\n(?=query |mutation |fragment )/);
    const fragments = parts.filter((part) => part.startsWith('fragment ')).join('\n');
    const operations = parts.filter((part) => !part.startsWith('fragment '));
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) {
      const name = operation.match(/^(?:query|mutation) (\w+)/)![1];
      // Variables left out: the request fails at execution, after every limit has been checked (unused fragments
      // fail validation beside the limits, which still run).
      const response = await fetch(`${trove.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `${operation}\n${fragments}`, operationName: name }),
      });
      const body = (await response.json()) as { errors?: { message: string }[] };
      const limitErrors = (body.errors ?? []).filter((error) => /limit|exceeded|depth/i.test(error.message));
      expect(limitErrors, name).toEqual([]);
    }
    const nested = `{ artifacts(first: 100) { edges { node { labels(first: 100) { edges { node { artifacts(first: 100) { edges { node { uid } } } } } } } } } }`;
    const refused = await fetch(`${trove.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: nested }) });
    const refusal = (await refused.json()) as { errors: { message: string }[] };
    expect(refusal.errors[0]!.message).toMatch(/Query Cost limit of 10000 exceeded/);
  });
});
