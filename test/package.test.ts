// The installable command: `npm pack` compiles the CLI and server once into dist/, and the package installs on a
// machine without the source tree, where `trove --version`, `trove serve` and `trove save` run without tsx.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/server-process';

const run = promisify(execFile);
const projectRoot = path.resolve(import.meta.dirname, '..');

describe('the npm package', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'trove-package-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('installs from its tarball and serves, saves and reports its version without the source tree or tsx', async () => {
    const { version } = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const packed = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: projectRoot })).stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['bin/trove.js', 'dist/cli/trove.js', 'schema.graphql', 'README.md']));
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
    expect(files.some((file) => file.startsWith('prisma/migrations/'))).toBe(true);

    const app = path.join(work, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'lab-app', private: true }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, packed[0]!.filename)], { cwd: app });
    expect(existsSync(path.join(app, 'node_modules/trove/dist/cli/trove.js'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules/trove/src'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules/tsx'))).toBe(false);

    const trove = path.join(app, 'node_modules/.bin/trove');
    expect((await run(trove, ['--version'])).stdout.trim()).toBe(version);
    const dataDir = path.join(work, 'data');
    const server = await startServerProcess({ TROVE_DATA_DIR: dataDir, LOG_LEVEL: 'info' }, { command: [trove, 'serve'], cwd: app, timeoutMs: 90_000, captureOutput: true });
    try {
      await writeFile(path.join(work, 'cells.csv'), 'cell,type\n1,T\n');
      const saved = (await run(trove, ['--url', server.url, 'save', path.join(work, 'cells.csv'), '--key', 'package/cells.csv'], { cwd: app })).stdout;
      const uid = saved.match(/saved: (\w{20})/)?.[1];
      expect(uid).toBeDefined();
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ artifact(key: "package/cells.csv") { uid size path } }' }),
      });
      const { data } = (await response.json()) as { data: { artifact: { uid: string; size: number; path: string } } };
      expect(data.artifact).toMatchObject({ uid, size: 14 });
      expect(await readFile(data.artifact.path, 'utf8')).toBe('cell,type\n1,T\n');
      expect(data.artifact.path.startsWith(path.join(dataDir, 'storage'))).toBe(true);
    } finally {
      await server.stop();
    }
    expect(server.child.exitCode).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
  }, 240_000);
});
