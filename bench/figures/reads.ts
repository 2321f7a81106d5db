// P3: a page of 100 artifacts with their storage, labels and run's transform, under load from autocannon (10
// connections), and the SQL statements one page costs; beside the same page from the same database served by the
// fixed stack as its documentation writes it (servers/page-stack-server.ts) and by hand-written resolvers over `pg`
// (servers/page-pg-server.ts), the same page from memory (servers/page-ceiling-server.ts: graphql-yoga's own cost for
// 100 nodes) and graphql-yoga's hello world, all under the same load.
import autocannon from 'autocannon';
import { startChildServer } from '../lib/child';
import { countStatements } from '../lib/statements';
import { type BenchServices, type FigureRow, fixed, graphql, QUICK } from '../lib/services';

// Within the server's default query cost limit (10,000): with label names (labels { edges { node { name } } }) the
// same page costs 18,627 and is refused, so the labels are counted per artifact instead.
export const PAGE = `query Page { artifacts(first: 100) { edges { node {
  id key size storage { root } labels(first: 3) { totalCount } run { transform { key } } } } } }`;

async function load(url: string, query: string, seconds: number): Promise<{ requestsPerSecond: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: 10,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

/** 1,000 artifacts in 10 runs of one transform, each with 3 of 20 labels. */
export async function seedForReads(url: string): Promise<void> {
  const transform = await graphql(url, `mutation { createTransform(input: { key: "bench/p3.py", kind: SCRIPT }) { ... on TransformPayload { transform { uid } } } }`);
  const labels = await graphql(url, `mutation($input: CreateULabelsInput!) { createULabels(input: $input) { ... on CreateULabelsPayload { results { ... on ULabelPayload { ulabel { uid } } } } } }`, {
    input: { labels: Array.from({ length: 20 }, (_, index) => ({ name: `bench label ${index}` })), searchNames: false },
  });
  const labelUids: string[] = labels.createULabels.results.map((result: { ulabel: { uid: string } }) => result.ulabel.uid);
  for (let run = 0; run < 10; run++) {
    const started = await graphql(url, `mutation($input: StartRunInput!) { startRun(input: $input) { ... on StartRunPayload { run { uid } } } }`, {
      input: { transformUid: transform.createTransform.transform.uid },
    });
    const saved = await graphql(url, `mutation($input: SaveArtifactsInput!) { saveArtifacts(input: $input) { ... on SaveArtifactsPayload { results { artifact { uid } } } } }`, {
      input: { artifacts: Array.from({ length: 100 }, (_, index) => ({ content: `p3 ${run} ${index}\n`, key: `p3/run-${run}/file-${index}.txt`, runUid: started.startRun.run.uid })) },
    });
    for (const [index, result] of saved.saveArtifacts.results.entries()) {
      await graphql(url, `mutation($input: LabelArtifactInput!) { addLabels(input: $input) { __typename } }`, {
        input: { artifactUid: result.artifact.uid, labelUids: [0, 7, 13].map((offset) => labelUids[(index + offset) % labelUids.length]) },
      });
    }
  }
}

export async function readFigures(services: BenchServices): Promise<FigureRow[]> {
  const databaseUrl = await services.database('bench_reads');
  const server = await services.trove(databaseUrl);
  const hello = await startChildServer('hello-server.ts');
  const stack = await startChildServer('page-stack-server.ts', [databaseUrl]);
  const byHand = await startChildServer('page-pg-server.ts', [databaseUrl]);
  const fromMemory = await startChildServer('page-ceiling-server.ts');
  try {
    await seedForReads(server.url);
    const seconds = QUICK ? 2 : 15;
    const answered = await graphql(server.url, PAGE); // fails on any GraphQL error, e.g. the cost limit
    if (answered.artifacts.edges.length !== 100) throw new Error('P3: the page does not hold 100 artifacts');
    const measure = async (url: string, query: string) => {
      await load(url, query, 2); // warm-up: JIT, pools, caches
      return load(url, query, seconds);
    };
    const trove = await measure(`${server.url}/graphql`, PAGE);
    const stackPage = await measure(`http://127.0.0.1:${stack.port}/graphql`, PAGE);
    const handPage = await measure(`http://127.0.0.1:${byHand.port}/graphql`, PAGE);
    const memoryPage = await measure(`http://127.0.0.1:${fromMemory.port}/graphql`, PAGE);
    const baseline = await measure(`http://127.0.0.1:${hello.port}/graphql`, '{ hello }');
    const others = [stackPage, handPage, memoryPage, baseline].reduce((sum, figures) => sum + figures.errors, 0);
    if (others) throw new Error(`P3: ${others} baseline requests failed`);
    const counted = await countStatements(services.workDir, databaseUrl, PAGE, () => ({}));
    return [
      {
        id: 'P3',
        what: '`artifacts(first: 100)` with storage, labels (count), run.transform; 10 connections',
        trove: `${fixed(trove.requestsPerSecond)} req/s (${fixed(trove.requestsPerSecond * 100)} nodes/s), p50 ${trove.p50} ms, p99 ${trove.p99} ms, ${counted.statements} SQL statements${trove.errors ? `, ${trove.errors} errors` : ''}`,
        baseline:
          `the same page by Pothos + Prisma as documented: ${fixed(stackPage.requestsPerSecond)} req/s; by hand over pg: ${fixed(handPage.requestsPerSecond)} req/s; ` +
          `from memory: ${fixed(memoryPage.requestsPerSecond)} req/s; graphql-yoga hello world: ${fixed(baseline.requestsPerSecond)} req/s`,
        ratio: `${fixed(trove.requestsPerSecond / stackPage.requestsPerSecond, 2)}x stack, ${fixed(trove.requestsPerSecond / handPage.requestsPerSecond, 2)}x by hand, ${fixed(trove.requestsPerSecond / memoryPage.requestsPerSecond, 3)}x memory`,
        target: '>= 500 req/s (>= 50,000 artifact nodes/s), SQL statements constant',
        met: trove.requestsPerSecond >= 500 && trove.errors === 0,
      },
    ];
  } finally {
    for (const child of [stack, byHand, fromMemory, hello]) await child.stop();
    await server.stop();
  }
}
