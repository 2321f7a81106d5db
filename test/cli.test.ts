// The CLI and client SDK against a real HTTP server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { startListeningTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove & { url: string };
let url: string;
beforeAll(async () => {
  trove = await startListeningTrove();
  url = trove.url;
});
afterAll(async () => trove?.close());

async function cli(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', url, ...args]);
  return lines;
}

describe('trove CLI', () => {
  it('reports health and lists storages', async () => {
    expect(await cli('health')).toEqual(['database: ok\nstorage: ok']);
    const [line] = await cli('storage', 'list');
    expect(line).toContain(trove.localRoot);
    expect(line).toContain('(default)');
  });

  it('registers an S3 storage once; a second registration returns the same record', async () => {
    const root = `${trove.s3rverRoot}-extra`;
    const [first] = await cli('--json', 'storage', 'add', root);
    const created = JSON.parse(first!);
    expect(created).toMatchObject({ created: true, storage: { root, type: 'S3' } });
    const [second] = await cli('--json', 'storage', 'add', `${root}/`);
    expect(JSON.parse(second!)).toMatchObject({ created: false, storage: { uid: created.storage.uid } });
    const row = await trove.services.db.storage.findUniqueOrThrow({ where: { root } });
    expect(row).toMatchObject({ uid: created.storage.uid, type: 'S3', region: 'us-east-1', isDefault: false });
    // Without artifacts it can be unregistered again; a second delete names what is missing.
    const [deleted] = await cli('storage', 'delete', created.storage.uid);
    expect(deleted).toBe(`deleted: ${created.storage.uid}  ${root}`);
    expect(await trove.services.db.storage.count({ where: { root } })).toBe(0);
    await expect(cli('storage', 'delete', created.storage.uid)).rejects.toThrow(/no storage with uid/);
  });

  it('concurrent registrations of one root give one record, created once', async () => {
    const root = `${trove.s3rverRoot}-racing`;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { created storage { uid } } } }`, { root })),
    );
    expect(new Set(results.map((result) => result.registerStorage.storage.uid)).size).toBe(1);
    expect(results.filter((result) => result.registerStorage.created)).toHaveLength(1);
    expect(await trove.services.db.storage.count({ where: { root } })).toBe(1);
  });

  it('lists artifacts by key prefix, versions and trash, and restores from the trash', async () => {
    const client = new TroveClient(url);
    const first = await client.createArtifact({ content: 'a\n1\n', key: 'listing/a.csv' });
    await client.createArtifact({ content: 'a\n2\n', key: 'listing/a.csv' });
    const other = await client.createArtifact({ content: '{}', key: 'listing/b.json' });
    await client.createArtifact({ content: 'elsewhere', key: 'other/c.txt' });
    const keysOf = (lines: string[]) => lines.map((line) => JSON.parse(line)).map((artifact) => `${artifact.key}@${artifact.version}`);

    expect(keysOf(await cli('--json', 'list', 'listing/'))).toEqual(['listing/a.csv@0001', 'listing/b.json@0000']);
    expect(keysOf(await cli('--json', 'ls', 'listing/', '--all-versions'))).toEqual(['listing/a.csv@0000', 'listing/a.csv@0001', 'listing/b.json@0000']);
    expect(keysOf(await cli('--json', 'list', 'listing/', '--suffix', '.json'))).toEqual(['listing/b.json@0000']);
    const [line] = await cli('list', 'listing/b');
    expect(line).toBe(`${other.artifact.uid}  listing/b.json  2 bytes  md5:${other.artifact.hash}`);

    expect(await cli('delete', other.artifact.uid)).toEqual([`moved ${other.artifact.uid} to the trash`]);
    expect(keysOf(await cli('--json', 'list', 'listing/'))).toEqual(['listing/a.csv@0001']);
    expect(keysOf(await cli('--json', 'list', 'listing/', '--trash'))).toEqual(['listing/b.json@0000']);
    const [restored] = await cli('restore', other.artifact.uid);
    expect(restored).toContain(`restored: ${other.artifact.uid}`);
    expect(await trove.services.db.artifact.findUniqueOrThrow({ where: { uid: other.artifact.uid } })).toMatchObject({ branch: 'MAIN' });
    expect(keysOf(await cli('--json', 'list', 'listing/'))).toEqual(['listing/a.csv@0001', 'listing/b.json@0000']);
    expect(first.artifact.version).toBe('0000');
  });

  it('pages through long listings', async () => {
    const client = new TroveClient(url);
    await Promise.all(Array.from({ length: 130 }, (_, index) => client.createArtifact({ content: `row ${index}\n`, key: `paged/${String(index).padStart(3, '0')}.txt` })));
    const keys: string[] = [];
    for await (const artifact of client.artifacts({ keyPrefix: 'paged/' }, 50)) keys.push(artifact.key!);
    expect(keys).toEqual(Array.from({ length: 130 }, (_, index) => `paged/${String(index).padStart(3, '0')}.txt`));
    expect(await cli('list', 'paged/')).toHaveLength(130);
  });

  it('records a pipeline run from the shell: transform, run, inputs, outputs, labels', async () => {
    const workDir = await mkdtemp(path.join(tmpdir(), 'trove-cli-run-'));
    try {
      const source = path.join(workDir, 'clean.sh');
      await writeFile(source, 'cut -d, -f1 raw.csv > clean.csv\n');
      const [transformUid] = await cli('transform', 'pipelines/clean.sh', '--source', source);
      expect(await cli('transform', 'pipelines/clean.sh', '--source', source)).toEqual([transformUid]);

      const raw = path.join(workDir, 'raw.csv');
      await writeFile(raw, 'sample,reads\nS1,1042\n');
      const [rawLine] = await cli('--json', 'save', raw, '--key', 'pipeline/raw.csv');
      const rawUid = JSON.parse(rawLine!).artifact.uid;

      const [runUid] = await cli('run', 'start', transformUid!, '--params', '{"columns": 1}');
      await cli('get', 'pipeline/raw.csv', path.join(workDir, 'input.csv'), '--run', runUid!);
      const clean = path.join(workDir, 'clean.csv');
      await writeFile(clean, 'sample\nS1\n');
      const [cleanLine] = await cli('--json', 'save', clean, '--key', 'pipeline/clean.csv', '--run', runUid!);
      const cleanUid = JSON.parse(cleanLine!).artifact.uid;
      const [finished] = await cli('run', 'finish', runUid!);
      expect(finished).toMatch(new RegExp(`^${runUid} completed at `));

      const recorded = await trove.query(
        `query($uid: String!) { run(uid: $uid) { status params transform { uid } inputArtifacts { edges { node { uid } } } outputArtifacts { edges { node { uid } } } } }`,
        { uid: runUid },
      );
      expect(recorded.run).toEqual({
        status: 'COMPLETED',
        params: { columns: 1 },
        transform: { uid: transformUid },
        inputArtifacts: { edges: [{ node: { uid: rawUid } }] },
        outputArtifacts: { edges: [{ node: { uid: cleanUid } }] },
      });

      const [created] = await cli('label', 'create', 'cleaned tables');
      const labelUid = created!.split(/\s+/)[1]!;
      expect(created).toBe(`created: ${labelUid}  cleaned tables`);
      expect(await cli('label', 'create', 'cleaned tables')).toEqual([`existing: ${labelUid}  cleaned tables`]);
      const similar = await cli('label', 'create', 'cleaned table');
      expect(process.exitCode).toBe(2);
      process.exitCode = 0;
      expect(similar[0]).toContain('nothing was created');
      expect(similar[1]).toContain(`${labelUid}  cleaned tables`);
      expect(await trove.services.db.uLabel.count({ where: { name: 'cleaned table' } })).toBe(0);
      const [forced] = await cli('label', 'create', 'cleaned table', '--no-search');
      expect(forced).toMatch(/^created: /);

      expect(await cli('label', 'add', cleanUid, labelUid)).toEqual([`${cleanUid}: cleaned tables`]);
      expect(await cli('label', 'remove', cleanUid, labelUid)).toEqual([`${cleanUid}: (no labels)`]);
      await expect(cli('run', 'start', 'nonexistent00000', '--params', '{')).rejects.toThrow(/--params is not valid JSON/);
      await expect(cli('run', 'start', 'nonexistent00000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('refuses a relative root with a typed error and stores nothing', async () => {
    const result = await trove.graphql(`mutation { registerStorage(input: { root: "relative/dir" }) { __typename ... on Error { code message } ... on InvalidInput { field } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.registerStorage).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT', field: 'input.root' });
    expect(await trove.services.db.storage.count({ where: { root: { contains: 'relative' } } })).toBe(0);
    await expect(cli('storage', 'add', 'relative/dir')).rejects.toThrow(/absolute local path/);
  });
});
