// P4, P4n, P4h: the same queries at a small and a large table (10k and 1M rows; BENCH_QUICK: 2k and 20k), loaded in
// bulk with SQL, served by a Trove server; the figure is the ratio of p95 latencies. The plans are printed too:
// a sequential scan at a million rows is the thing to look for.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { type BenchServices, type FigureRow, fixed, graphql, percentile, QUICK, timeRuns } from '../lib/services';

const SMALL = QUICK ? 2_000 : 10_000;
const LARGE = QUICK ? 20_000 : 1_000_000;
const RUNS = QUICK ? 10 : 40;

/** Rows named after `i` so that both sizes hold the same looked-up rows: 50 artifacts per project prefix. */
async function load(databaseUrl: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: ids } = await client.query(`SELECT (SELECT id FROM "Storage" WHERE "isDefault") AS storage, (SELECT min(id) FROM "User") AS "user"`);
    const { storage, user } = ids[0] as { storage: number; user: number };
    await client.query(`
      INSERT INTO "Artifact" (uid, key, suffix, size, hash, "hashType", "keyIsVirtual", "storageKey", "storageId", "createdById", "createdAt", "updatedAt")
      SELECT substr(md5(i::text), 1, 16) || '0000', 'project-' || (i / 50) || '/file-' || i || '.csv', '.csv', 1000 + i,
             substr(encode(decode(md5('content' || i), 'hex'), 'base64'), 1, 22), 'md5', true,
             '.lamindb/' || substr(md5(i::text), 1, 16) || '0000.csv', ${storage}, ${user},
             now() - (i || ' seconds')::interval, now()
      FROM generate_series(1, ${rows}) AS i`);
    await client.query(`
      INSERT INTO "ULabel" (uid, name, "createdById", "updatedAt")
      SELECT lpad(to_hex(i), 8, '0'), substr(md5('first' || i), 1, 7) || ' ' || substr(md5('second' || i), 1, 5), ${user}, now()
      FROM generate_series(1, ${rows}) AS i`);
    await client.query('VACUUM ANALYZE "Artifact"');
    await client.query('VACUUM ANALYZE "ULabel"');
  } finally {
    await client.end();
  }
}

const LOOKUPS = {
  keyPrefix: { query: `query($p: String) { artifacts(first: 20, filter: { keyPrefix: $p }) { edges { node { uid key } } } }`, variables: (i: number) => ({ p: `project-${(i * 37) % 40}/` }) },
  uidPrefix: { query: `query($p: String) { artifacts(first: 20, filter: { uidPrefix: $p }) { edges { node { uid } } } }`, variables: (i: number) => ({ p: md5Prefix(i * 13 + 1, 10) }) },
  hash: { query: `query($h: String) { artifacts(first: 20, filter: { hash: $h }) { edges { node { uid } } } }`, variables: (i: number) => ({ h: hashOf(i * 13 + 1) }) },
  uid: { query: `query($u: String) { artifact(uid: $u) { uid } }`, variables: (i: number) => ({ u: `${md5Prefix(i * 13 + 1, 16)}0000` }) },
  key: { query: `query($k: String) { artifact(key: $k) { uid } }`, variables: (i: number) => ({ k: `project-${Math.floor((i * 13 + 1) / 50)}/file-${i * 13 + 1}.csv` }) },
  similarName: {
    query: `mutation($name: String!) { createULabel(input: { label: { name: $name } }) { __typename } }`,
    // An existing label's name with one character changed: a similar name, so nothing is created.
    variables: (i: number) => ({ name: `${labelName(i * 13 + 1).slice(0, -1)}z` }),
  },
};

const md5Hex = (text: string) => createHash('md5').update(text).digest('hex');
const md5Prefix = (i: number, length: number) => md5Hex(String(i)).slice(0, length);
const hashOf = (i: number) => createHash('md5').update(`content${i}`).digest('base64').slice(0, 22);
const labelName = (i: number) => `${md5Hex(`first${i}`).slice(0, 7)} ${md5Hex(`second${i}`).slice(0, 5)}`;

async function p95(url: string, lookup: (typeof LOOKUPS)[keyof typeof LOOKUPS]): Promise<number> {
  await timeRuns(5, (run) => graphql(url, lookup.query, lookup.variables(run)));
  return percentile(await timeRuns(RUNS, (run) => graphql(url, lookup.query, lookup.variables(run + 5))), 95);
}

export async function scaleFigures(services: BenchServices): Promise<FigureRow[]> {
  const measured: Record<string, { small: number; large: number }> = {};
  for (const [size, rows] of [['small', SMALL], ['large', LARGE]] as const) {
    const databaseUrl = await services.database(`bench_scale_${size}`);
    const server = await services.trove(databaseUrl);
    try {
      const started = performance.now();
      await load(databaseUrl, rows);
      console.log(`  loaded ${fixed(rows)} artifacts and labels in ${fixed((performance.now() - started) / 1000, 1)} s`);
      for (const [name, lookup] of Object.entries(LOOKUPS)) {
        measured[name] ??= { small: 0, large: 0 };
        measured[name][size] = await p95(server.url, lookup);
      }
    } finally {
      await server.stop();
    }
  }
  const ratio = (name: string) => measured[name]!.large / measured[name]!.small;
  const describe = (name: string) => `p95 ${fixed(measured[name]!.large, 1)} ms vs ${fixed(measured[name]!.small, 1)} ms`;
  const rows = (count: number) => (count >= 1_000_000 ? `${fixed(count / 1_000_000)}M` : `${fixed(count / 1000)}k`);
  const scale = `${rows(LARGE)} vs ${rows(SMALL)} rows`;
  return [
    {
      id: 'P4',
      what: `\`keyPrefix\` filter, ${scale}`,
      trove: describe('keyPrefix'),
      baseline: `the same query at ${fixed(SMALL)} rows`,
      ratio: `${fixed(ratio('keyPrefix'), 2)}x`,
      target: 'p95 ratio <= 2x',
      met: ratio('keyPrefix') <= 2,
    },
    {
      id: 'P4n',
      what: `\`createULabel\` with a similar name, ${scale}`,
      trove: describe('similarName'),
      baseline: `the same at ${fixed(SMALL)} rows`,
      ratio: `${fixed(ratio('similarName'), 2)}x`,
      target: 'p95 ratio <= 2x',
      met: ratio('similarName') <= 2,
    },
    {
      id: 'P4h',
      what: `lookups by hash, uid, key and uid prefix, ${scale}`,
      trove: ['hash', 'uid', 'key', 'uidPrefix'].map((name) => `${name} ${fixed(measured[name]!.large, 1)} ms`).join(', '),
      baseline: ['hash', 'uid', 'key', 'uidPrefix'].map((name) => `${fixed(measured[name]!.small, 1)} ms`).join(', '),
      ratio: ['hash', 'uid', 'key', 'uidPrefix'].map((name) => `${fixed(ratio(name), 2)}x`).join(', '),
      target: 'each <= 2x',
      met: ['hash', 'uid', 'key', 'uidPrefix'].every((name) => ratio(name) <= 2),
    },
  ];
}
