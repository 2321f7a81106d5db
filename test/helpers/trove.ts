// A Trove per test file: its own database (cloned from the migrated template), its own local storage folder
// and S3 prefix, driven in-process through yoga.fetch.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createTrove, listen, type Trove } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import type { S3Settings } from '../../src/storage/s3-store';
import { SWIFT_BUCKET } from './s3';

export const S3RVER_BUCKET = 'trove-test';
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestTrove extends Trove {
  /** Runs an operation in-process and returns the parsed response; `token` is sent as the bearer token. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, options?: { token?: string }): Promise<GraphQLResponse<T>>;
  /** Like `graphql` but fails the test on any GraphQL error. */
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  localRoot: string;
  s3rverRoot: string;
  /** SQL statements seen since the last `resetQueryLog()`, without the per-request token checks. */
  queryLog: string[];
  resetQueryLog(): void;
}

export async function createDatabaseFromTemplate(maintenanceUrl: string = inject('postgresUrl')): Promise<string> {
  const name = `trove_test_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE trove_template`);
  } finally {
    await client.end();
  }
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startTestTrove(
  options: {
    defaultStorage?: 'local' | 's3rver';
    env?: Record<string, string>;
    s3SettingsByRoot?: Record<string, S3Settings>;
    /** e.g. to reach the database through a TcpProxy */
    rewriteDatabaseUrl?: (url: string) => string;
  } = {},
): Promise<TestTrove> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'trove-file-'));
  await chmod(dataDir, 0o755);
  const createdUrl = await createDatabaseFromTemplate(inject('postgresUrl'));
  const databaseUrl = options.rewriteDatabaseUrl ? options.rewriteDatabaseUrl(createdUrl) : createdUrl;
  const localRoot = path.join(dataDir, 'storage');
  const s3rverRoot = `s3://${S3RVER_BUCKET}/${path.basename(dataDir)}`;
  const config = loadConfig({
    TROVE_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    TROVE_STORAGE: options.defaultStorage === 's3rver' ? s3rverRoot : localRoot,
    TROVE_S3_ENDPOINT: inject('s3rverEndpoint'),
    LOG_LEVEL: 'silent',
    // Recovery runs when a test says so (a sweep, or TROVE_RECOVERY_POLL_SECONDS in the tests of the wake-up).
    TROVE_RECOVERY_POLL_SECONDS: '0',
    // Test files register local folders in their data dir and prefixes of the test buckets.
    TROVE_ALLOWED_ROOTS: [dataDir, `s3://${S3RVER_BUCKET}`, `s3://${SWIFT_BUCKET}`, 's3://flaky'].join(','),
    ...options.env,
  });
  const queryLog: string[] = [];
  const trove = await createTrove(config, createLogger(process.env.TROVE_TEST_LOG_LEVEL ?? 'silent'), {
    database: { onQuery: (sql) => void (sql.includes('"ApiToken"') || queryLog.push(sql)) },
    s3SettingsByRoot: { [s3rverRoot]: { credentials: s3rverCredentials }, ...options.s3SettingsByRoot },
  });

  async function graphql<T>(query: string, variables?: Record<string, unknown>, options: { token?: string } = {}): Promise<GraphQLResponse<T>> {
    const response = await trove.gateway.yoga.fetch('http://trove.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  }

  return {
    ...trove,
    graphql,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const result = await graphql<T>(query, variables);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data as T;
    },
    localRoot,
    s3rverRoot,
    queryLog,
    resetQueryLog: () => void queryLog.splice(0),
    close: async () => {
      await trove.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends an operation with files using the GraphQL multipart request protocol. */
export async function graphqlWithFiles<T = any>(
  trove: Trove,
  query: string,
  variables: Record<string, unknown>,
  files: Record<string, { name: string; content: string | Buffer }>,
): Promise<GraphQLResponse<T>> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query, variables }));
  const map: Record<string, string[]> = {};
  Object.keys(files).forEach((variablePath, index) => (map[String(index)] = [`variables.${variablePath}`]));
  form.set('map', JSON.stringify(map));
  Object.values(files).forEach((file, index) => form.set(String(index), new File([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], file.name)));
  // Multipart requests carry a header browsers cannot add cross-site without a preflight (CSRF protection).
  const response = await trove.gateway.yoga.fetch('http://trove.test/graphql', { method: 'POST', body: form, headers: { 'x-trove-csrf': '1' } });
  return (await response.json()) as GraphQLResponse<T>;
}

/** A test Trove listening on a loopback port, for clients that need real HTTP (CLI, uploads, downloads). */
export async function startListeningTrove(options: Parameters<typeof startTestTrove>[0] = {}): Promise<TestTrove & { url: string }> {
  const trove = await startTestTrove(options);
  const { server, url } = await listen(trove, 0, '127.0.0.1');
  return {
    ...trove,
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await trove.close();
    },
  };
}

/** The nodes of a Relay connection, in order. */
export function nodes<T = any>(connection: { edges: { node: T }[] }): T[] {
  return connection.edges.map((edge) => edge.node);
}
