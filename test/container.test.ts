// The container files, checked where no container runtime is available: the image builds with the commands CI and
// the package test run (npm ci, npm pack, install of the packed tarball), runs unprivileged with the data folder as
// a volume and `trove serve`; the compose file's settings are ones Trove accepts and documents, and its services
// fit together (database credentials, bucket, health checks).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listenProblem, loadConfig } from '../src/config';

const projectRoot = path.resolve(import.meta.dirname, '..');
const read = (name: string) => readFile(path.join(projectRoot, name), 'utf8');

interface Instruction {
  keyword: string;
  argument: string;
}

/** Dockerfile instructions, with continuation lines joined and comments dropped. */
function instructionsOf(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), argument: rest.join(' ') };
    });
}

/** Compose's `${NAME:-default}` with an empty environment, and `$$` for a literal dollar. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_match, _name, fallback: string) => fallback).replace(/\$\$/g, '$');
}

describe('Dockerfile', () => {
  it('builds with the commands CI runs and runs the packed trove unprivileged, with /data as a volume', async () => {
    const instructions = instructionsOf(await read('Dockerfile'));
    const stages = instructions.reduce<Instruction[][]>((all, instruction) => {
      if (instruction.keyword === 'FROM') all.push([]);
      all.at(-1)!.push(instruction);
      return all;
    }, []);
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [Instruction[], Instruction[]];
    const runs = (stage: Instruction[]) => stage.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.argument);

    // The same install as .ci/run, and the same pack as the package test.
    const ci = await read('.ci/run');
    const install = runs(build).find((command) => command.startsWith('npm ci'))!;
    expect(install).toBeDefined();
    expect(ci).toContain(install);
    expect(runs(build)).toContain('npm pack --pack-destination /pack');
    expect(await read('test/package.test.ts')).toContain("'npm', ['pack'");
    expect(runs(runtime).join(' ')).toMatch(/npm install --global .* \/tmp\/pack\/trove-\*\.tgz/);

    const user = runtime.filter((instruction) => instruction.keyword === 'USER').at(-1)?.argument;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const env = Object.fromEntries(
      runtime.filter((instruction) => instruction.keyword === 'ENV').flatMap((instruction) => instruction.argument.split(/\s+/).map((pair) => pair.split('=') as [string, string])),
    );
    expect(env.TROVE_DATA_DIR).toBe('/data');
    expect(runtime).toContainEqual({ keyword: 'VOLUME', argument: '["/data"]' });
    expect(runtime.at(-1)).toEqual({ keyword: 'CMD', argument: '["trove", "serve"]' });
    expect(runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.argument).toContain('/readyz');
    // Listening on every address is only allowed with tokens: the image must not fail to start.
    expect(listenProblem(loadConfig({ ...env, TROVE_DATA_DIR: path.join(projectRoot, '.trove-container-check') }))).toBeUndefined();
    expect(listenProblem(loadConfig({ ...env, TROVE_AUTH: 'auto', TROVE_DATA_DIR: path.join(projectRoot, '.trove-container-check') }))).toMatch(/refusing to listen/);

    // What the build copies never includes local installs or data.
    const ignored = (await read('.dockerignore')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.trove', 'dist']));
  });
});

describe('compose.yaml', () => {
  it('gives Trove settings it accepts and documents, a database and a bucket that match them, and health checks', async () => {
    const compose = parse(await read('compose.yaml')) as { services: Record<string, any> };
    const { trove, postgres, minio, buckets } = compose.services;
    expect(trove.build).toBe('.');
    const environment: Record<string, string> = Object.fromEntries(Object.entries(trove.environment as Record<string, string>).map(([name, value]) => [name, interpolate(String(value))]));

    // Every setting is one the README documents.
    const readme = await read('README.md');
    for (const name of Object.keys(environment)) expect(readme, name).toContain(`\`${name}\``);

    // Trove accepts them, with the image's own settings, and may listen beyond loopback.
    const image = { TROVE_DATA_DIR: path.join(projectRoot, '.trove-container-check'), HOST: '0.0.0.0', PORT: '4000', TROVE_AUTH: 'required' };
    const config = loadConfig({ ...image, ...environment });
    expect(listenProblem(config)).toBeUndefined();
    expect(config.defaultStorageRoot).toBe('s3://trove/artifacts');

    // The database URL names the postgres service with its credentials.
    const database = new URL(environment.DATABASE_URL!);
    expect(database.hostname).toBe('postgres');
    expect(database.username).toBe(postgres.environment.POSTGRES_USER);
    expect(database.password).toBe(interpolate(postgres.environment.POSTGRES_PASSWORD));
    expect(database.pathname).toBe(`/${postgres.environment.POSTGRES_DB}`);

    // The S3 endpoint is the minio service; the bucket of TROVE_STORAGE is the one the buckets job makes.
    expect(new URL(environment.TROVE_S3_ENDPOINT!).hostname).toBe('minio');
    expect(environment.AWS_ACCESS_KEY_ID).toBe(minio.environment.MINIO_ROOT_USER);
    expect(environment.AWS_SECRET_ACCESS_KEY).toBe(interpolate(minio.environment.MINIO_ROOT_PASSWORD));
    const bucket = new URL(config.defaultStorageRoot).hostname;
    expect(buckets.entrypoint.join(' ')).toContain(`mc mb --ignore-existing local/${bucket}`);

    // Trove starts after the database is healthy and the bucket exists.
    expect(trove.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, buckets: { condition: 'service_completed_successfully' } });
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(minio.healthcheck).toBeDefined();
    expect(trove.volumes).toEqual(['trove:/data']);
  });
});
