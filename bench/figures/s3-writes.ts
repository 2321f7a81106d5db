// P6s and P2s: small saves into S3 (s3rver): one createArtifact(content: 1 KB) at a time, and a saveArtifacts of many,
// each beside direct PutObjects of the same bytes to the same s3rver (one at a time; 8 at a time), interleaved.
import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3rver } from '../lib/s3rver';
import { type BenchServices, type FigureRow, fixed, graphql, interleavedRuns, median, percentile, pooled, QUICK, timeRuns } from '../lib/services';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid } } } }`;
const SAVE_MANY = `mutation($input: SaveArtifactsInput!) { saveArtifacts(input: $input) { __typename ... on SaveArtifactsPayload { results { artifact { uid } } } } }`;
const kilobyte = () => randomBytes(384).toString('base64').slice(0, 1000) + '\n'.repeat(24);

export async function s3WriteFigures(services: BenchServices): Promise<FigureRow[]> {
  const s3rver = await startS3rver(services, 's3rver-writes');
  const { s3 } = s3rver;
  const server = await services.trove(await services.database('bench_s3_writes'), s3rver.troveEnv);
  let puts = 0;
  const putOne = () => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `direct/${puts++}.txt`, Body: kilobyte() }));
  const save = () => graphql(server.url, CREATE, { input: { content: kilobyte(), description: 'p6s' } });
  try {
    const runs = QUICK ? 20 : 300;
    await timeRuns(10, save);
    await timeRuns(10, putOne);
    const [trove, direct] = (await interleavedRuns(runs, [save, putOne])) as [number[], number[]];
    const bulk = QUICK ? 100 : 1000;
    let bulkRun = 0;
    const saveMany = () => {
      const artifacts = Array.from({ length: bulk }, (_, index) => ({ content: kilobyte(), description: `p2s ${bulkRun} ${index}` }));
      bulkRun++;
      return graphql(server.url, SAVE_MANY, { input: { artifacts } });
    };
    const [bulkTimes, putTimes] = (await interleavedRuns(3, [saveMany, () => pooled(bulk, 8, putOne)])) as [number[], number[]];
    const troveRate = bulk / (median(bulkTimes) / 1000);
    const putRate = bulk / (median(putTimes) / 1000);
    return [
      {
        id: 'P6s',
        what: 'one createArtifact(content: 1 KB) into S3 (s3rver)',
        trove: `p50 ${fixed(median(trove), 1)} ms, p99 ${fixed(percentile(trove, 99), 1)} ms`,
        baseline: `a PutObject of 1 KB to the same s3rver (between the saves): p50 ${fixed(median(direct), 1)} ms`,
        ratio: `${fixed(median(trove) / median(direct), 2)}x`,
        target: '-',
        met: null,
      },
      {
        id: 'P2s',
        what: `saveArtifacts of ${fixed(bulk)} x 1 KB inline artifacts into S3 (s3rver), one request`,
        trove: `${fixed(troveRate)} artifacts/s`,
        baseline: `${fixed(bulk)} PutObjects of 1 KB, 8 at a time (between the runs): ${fixed(putRate)}/s`,
        ratio: `${fixed(troveRate / putRate, 2)}x`,
        target: '-',
        met: null,
      },
    ];
  } finally {
    await server.stop();
    await s3rver.stop();
  }
}
