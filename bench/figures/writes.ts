// P6 (one small createArtifact: latency and SQL statements), P2 (saveArtifacts of many small artifacts in one
// request) and P2c (many createArtifact from concurrent clients), each beside plain `pg` writes of the same rows and the
// creation of as many new files in the same file system (lib/files.ts), and P6 and P2c beside the same save written
// by hand on graphql-yoga, `pg` and node:fs (servers/create-pg-server.ts): the floor of the stack on this machine.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startChildServer } from '../lib/child';
import { FileBaseline } from '../lib/files';
import { countStatements } from '../lib/statements';
import { type BenchServices, type FigureRow, fixed, graphql, interleavedRuns, median, percentile, pooled, QUICK, timeRuns } from '../lib/services';

const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid } } } }`;
const SAVE_MANY = `mutation($input: SaveArtifactsInput!) { saveArtifacts(input: $input) { __typename ... on SaveArtifactsPayload { results { artifact { uid } } } } }`;

const kilobyte = () => randomBytes(384).toString('base64').slice(0, 1000) + '\n'.repeat(24);

/** A scratch table shaped like Artifact (same columns, defaults and indexes), for the plain-SQL baselines. */
async function baselineTable(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS bench_artifact; CREATE TABLE bench_artifact (LIKE "Artifact" INCLUDING ALL)`);
  return client;
}

function baselineRow(index: number, content: string) {
  return [`bench${String(index).padStart(11, '0')}0000`, `bench row ${index}`, Buffer.byteLength(content), randomBytes(16).toString('base64url').slice(0, 22), `.lamindb/bench${index}.txt`];
}
const INSERT_COLUMNS = `uid, description, size, hash, "storageKey", "storageId", "createdById", "updatedAt"`;

export async function writeFigures(services: BenchServices): Promise<FigureRow[]> {
  const databaseUrl = await services.database('bench_writes');
  const server = await services.trove(databaseUrl);
  const baseline = await baselineTable(databaseUrl);
  const { rows } = await baseline.query(`SELECT (SELECT id FROM "Storage" LIMIT 1) AS storage, (SELECT id FROM "User" LIMIT 1) AS "user"`);
  const { storage, user } = rows[0] as { storage: number; user: number };
  const insertOne = (index: number) =>
    baseline.query(`INSERT INTO bench_artifact (${INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, ${storage}, ${user}, now())`, baselineRow(index, kilobyte()));
  const files = await FileBaseline.in(services.workDir);
  const floorServer = await startChildServer('create-pg-server.ts', [databaseUrl, path.join(services.workDir, 'create-floor'), String(storage), String(user)]);
  const floorUrl = `http://127.0.0.1:${floorServer.port}`;
  const results: FigureRow[] = [];
  try {
    // P6: one small save at a time.
    const p6Runs = QUICK ? 20 : 300;
    for (const url of [server.url, floorUrl]) await timeRuns(10, () => graphql(url, CREATE, { input: { content: kilobyte(), description: 'warm-up' } }));
    const saveTo = (url: string) => () => graphql(url, CREATE, { input: { content: kilobyte(), description: 'p6' } });
    const [trove, floor, fileTimes] = (await interleavedRuns(p6Runs, [saveTo(server.url), saveTo(floorUrl), () => files.createFile()])) as [number[], number[], number[]];
    await timeRuns(10, (run) => insertOne(1_000_000 + run));
    const plain = await timeRuns(p6Runs, (run) => insertOne(run));
    const counted = await countStatements(services.workDir, databaseUrl, CREATE, () => ({ input: { content: kilobyte(), description: 'counted' } }));
    results.push({
      id: 'P6',
      what: 'one createArtifact(content: 1 KB)',
      trove: `p50 ${fixed(median(trove), 1)} ms, p99 ${fixed(percentile(trove, 99), 1)} ms; ${counted.statements} statements in ${counted.transactions} transaction(s)`,
      baseline: `the same save by hand (yoga, pg, fs; between the saves) p50 ${fixed(median(floor), 1)} ms, p99 ${fixed(percentile(floor, 99), 1)} ms; pg single-row INSERT p50 ${fixed(median(plain), 2)} ms; a new 1 KB file p50 ${fixed(median(fileTimes), 2)} ms`,
      ratio: `${fixed(median(trove) / median(floor), 2)}x by hand, ${fixed(median(trove) / median(plain), 1)}x pg`,
      target: 'p50 <= 5 ms, <= 6 statements, one transaction',
      met: median(trove) <= 5 && counted.statements <= 6 && counted.transactions <= 1,
    });

    // P2: many small artifacts in one saveArtifacts request.
    const bulk = QUICK ? 100 : 1000;
    const bulkTimes: number[] = [];
    const fileRates: number[] = [];
    for (let run = 0; run < 3; run++) {
      const artifacts = Array.from({ length: bulk }, (_, index) => ({ content: kilobyte(), description: `p2 ${run} ${index}` }));
      bulkTimes.push(...(await timeRuns(1, () => graphql(server.url, SAVE_MANY, { input: { artifacts } }))));
      // As many new files as the request stores, as many at a time as a batch writes them (bulk.ts).
      fileRates.push(await files.filesPerSecond(bulk, 8));
    }
    await baseline.query('TRUNCATE bench_artifact');
    const plainBulk = await timeRuns(3, async (run) => {
      const values = Array.from({ length: bulk }, (_, index) => baselineRow(run * bulk + index, kilobyte()));
      const placeholders = values.map((_, row) => `($${row * 5 + 1}, $${row * 5 + 2}, $${row * 5 + 3}, $${row * 5 + 4}, $${row * 5 + 5}, ${storage}, ${user}, now())`);
      await baseline.query(`INSERT INTO bench_artifact (${INSERT_COLUMNS}) VALUES ${placeholders.join(', ')}`, values.flat());
    });
    const troveRate = bulk / (median(bulkTimes) / 1000);
    const plainRate = bulk / (median(plainBulk) / 1000);
    const fileRate = median(fileRates);
    results.push({
      id: 'P2',
      what: `saveArtifacts of ${fixed(bulk)} x 1 KB inline artifacts, one request`,
      trove: `${fixed(troveRate)} artifacts/s`,
      baseline: `pg multi-row INSERT: ${fixed(plainRate)} rows/s; ${fixed(bulk)} new 1 KB files in one folder, 8 at a time (between the runs): ${fixed(fileRate)} files/s`,
      ratio: `${fixed(troveRate / plainRate, 3)}x pg, ${fixed(troveRate / fileRate, 2)}x files`,
      target: '>= 2,000 artifacts/s',
      met: troveRate >= 2000,
    });

    // P2c: many createArtifact from 8 concurrent clients.
    const concurrentCount = QUICK ? 100 : 1000;
    const fileRateBefore = await files.filesPerSecond(concurrentCount, 8);
    let started = performance.now();
    await pooled(concurrentCount, 8, (index) => graphql(server.url, CREATE, { input: { content: kilobyte(), description: `p2c ${index}` } }));
    const concurrentRate = concurrentCount / ((performance.now() - started) / 1000);
    started = performance.now();
    await pooled(concurrentCount, 8, (index) => graphql(floorUrl, CREATE, { input: { content: kilobyte(), description: `p2c ${index}` } }));
    const floorRate = concurrentCount / ((performance.now() - started) / 1000);
    const concurrentFileRate = (fileRateBefore + (await files.filesPerSecond(concurrentCount, 8))) / 2;
    await baseline.query('TRUNCATE bench_artifact');
    started = performance.now();
    for (let index = 0; index < concurrentCount; index++) await insertOne(index);
    const sequentialRate = concurrentCount / ((performance.now() - started) / 1000);
    results.push({
      id: 'P2c',
      what: `${fixed(concurrentCount)} createArtifact, 8 concurrent clients`,
      trove: `${fixed(concurrentRate)} artifacts/s`,
      baseline: `the same saves by hand (yoga, pg, fs), 8 clients: ${fixed(floorRate)}/s; ${fixed(concurrentCount)} sequential single-row INSERTs: ${fixed(sequentialRate)}/s; ${fixed(concurrentCount)} new 1 KB files, 8 at a time (before and after): ${fixed(concurrentFileRate)}/s`,
      ratio: `${fixed(concurrentRate / floorRate, 2)}x by hand, ${fixed(concurrentRate / sequentialRate, 3)}x pg, ${fixed(concurrentRate / concurrentFileRate, 2)}x files`,
      target: '>= 1,000 artifacts/s',
      met: concurrentRate >= 1000,
    });
  } finally {
    await files.remove();
    await floorServer.stop();
    await baseline.end();
    await server.stop();
  }
  return results;
}
