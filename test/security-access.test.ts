// Who may do what: every root field of the schema (generated from the schema itself, so a new field cannot slip
// through) against anonymous callers, read, write and admin tokens, and revoked and expired ones; the modes
// (anonymous local access until a token exists, TROVE_AUTH=required, refusal to listen beyond loopback without
// authentication); uploads; and the token commands of the CLI, on a database with no server running.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/domain/tokens';
import { operationFor, rootFields, type RootField } from './helpers/operations';
import { bundleFile, bundleServer, startServerProcess } from './helpers/server-process';
import { createDatabaseFromTemplate, startListeningTrove, startTestTrove, type TestTrove } from './helpers/trove';

const run = promisify(execFile);
const RANK = { public: 0, read: 1, write: 2, admin: 3 } as const;
type Caller = 'none' | 'read' | 'write' | 'admin';

/** The error codes an operation was refused with, if it was refused for lack of a role. */
function refusalCode(result: { errors?: { extensions?: Record<string, unknown> }[] }): string | undefined {
  const code = result.errors?.[0]?.extensions?.code;
  return code === 'FORBIDDEN' || code === 'UNAUTHENTICATED' ? (code as string) : undefined;
}

describe('the access matrix over every root field', () => {
  let trove: TestTrove;
  const tokens: Partial<Record<Caller | 'revoked' | 'expired', string>> = {};
  const fields = rootFields();

  beforeAll(async () => {
    trove = await startTestTrove();
    const db = trove.services.db;
    for (const role of ['READ', 'WRITE', 'ADMIN'] as const) {
      tokens[role.toLowerCase() as Caller] = (await createApiToken(db, { role, userHandle: `${role.toLowerCase()}-user` })).secret;
    }
    const revoked = await createApiToken(db, { role: 'ADMIN', userHandle: 'gone' });
    await db.apiToken.update({ where: { id: revoked.token.id }, data: { revokedAt: new Date() } });
    tokens.revoked = revoked.secret;
    const expired = await createApiToken(db, { role: 'ADMIN', userHandle: 'late', expiresAt: new Date(Date.now() + 60_000) });
    await db.apiToken.update({ where: { id: expired.token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    tokens.expired = expired.secret;
    trove.gateway.authenticator.tokensChanged();
  });
  afterAll(async () => trove?.close());

  it('declares a role on every query and mutation', () => {
    expect(fields.length).toBeGreaterThan(30);
    for (const field of fields) expect(field.role, `${field.kind} ${field.name}`).toBeDefined();
    // The admin-only surface, spelled out so that a change to it is a visible change to this test.
    expect(fields.filter((field) => field.role === 'admin').map((field) => field.name).sort()).toEqual(
      ['apiTokens', 'createApiToken', 'deleteStorage', 'doctor', 'registerStorage', 'repair', 'revokeApiToken', 'setDefaultStorage'].sort(),
    );
    expect(fields.filter((field) => field.kind === 'mutation' && field.role !== 'write' && field.role !== 'admin')).toEqual([]);
  });

  const matrix: [RootField, Caller][] = fields.flatMap((field) => (['none', 'read', 'write', 'admin'] as const).map((caller): [RootField, Caller] => [field, caller]));
  it.each(matrix.map(([field, caller]) => [`${field.kind} ${field.name} (${field.role})`, caller, field] as const))('%s as %s', async (_title, caller, field) => {
    const { query, variables } = operationFor(field);
    const result = await trove.graphql(query, variables, { token: tokens[caller] });
    const allowed = RANK[field.role] <= (caller === 'none' ? 0 : RANK[caller]);
    if (allowed) {
      expect(refusalCode(result), JSON.stringify(result.errors)).toBeUndefined();
    } else {
      expect(refusalCode(result)).toBe(caller === 'none' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
      expect(result.errors![0]!.extensions).toMatchObject({ neededRole: field.role });
      expect(result.errors![0]!.message).toContain(`the ${field.role} role`);
    }
  });

  it.each(['revoked', 'expired'] as const)('answers 401 to a %s token on every field, public ones included', async (which) => {
    for (const field of fields) {
      const { query, variables } = operationFor(field);
      const response = await trove.gateway.yoga.fetch('http://trove.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[which]}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(response.status, field.name).toBe(401);
      const body = (await response.json()) as any;
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringContaining(which === 'revoked' ? 'was revoked' : 'has expired') });
      expect(body.data ?? null).toBeNull();
    }
  });

  it('records what a token makes as its user, and viewer says who and which role', async () => {
    const saved = await trove.graphql(
      `mutation { createArtifact(input: { content: "by the writer", description: "mine" }) { ... on ArtifactPayload { artifact { createdBy { handle } } } } }`,
      {},
      { token: tokens.write },
    );
    expect(saved.data.createArtifact.artifact.createdBy.handle).toBe('write-user');
    const viewer = await trove.graphql(`{ viewer { role anonymous tokenId user { handle } } }`, {}, { token: tokens.read });
    expect(viewer.data.viewer).toMatchObject({ role: 'READ', anonymous: false, user: { handle: 'read-user' } });
    expect(viewer.data.viewer.tokenId).toHaveLength(12);
    const anonymous = await trove.graphql(`{ viewer { role anonymous } }`);
    expect(anonymous.data.viewer).toEqual({ role: null, anonymous: true });
  });
});

describe('modes', () => {
  it('serves local anonymous requests as admin until the first token exists, then asks for tokens', async () => {
    const trove = await startTestTrove();
    try {
      expect((await trove.graphql(`{ viewer { role anonymous } }`)).data.viewer).toEqual({ role: 'ADMIN', anonymous: true });
      // A request that came through a proxy is not local, whatever address it arrives from.
      const proxied = await trove.gateway.yoga.fetch('http://trove.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
      expect(((await proxied.json()) as any).data.viewer.role).toBeNull();
      const made = await trove.graphql(`mutation { createApiToken(input: { role: ADMIN, userHandle: "ada" }) { ... on CreateApiTokenPayload { secret token { id role user { handle } } } } }`);
      expect(made.data.createApiToken.secret).toMatch(/^trove_[A-Za-z0-9_-]{43}$/);
      expect(await trove.services.db.apiToken.findFirst({ where: { secretHash: made.data.createApiToken.secret } })).toBeNull(); // only a hash is kept
      expect((await trove.graphql(`{ viewer { role } }`)).data.viewer.role).toBeNull();
      expect(refusalCode(await trove.graphql(`{ storages { totalCount } }`))).toBe('UNAUTHENTICATED');
      expect((await trove.graphql(`{ storages { totalCount } }`, {}, { token: made.data.createApiToken.secret })).data.storages.totalCount).toBe(1);
      // Revoking the last token brings anonymous local access back.
      await trove.graphql(`mutation($id: String!) { revokeApiToken(input: { id: $id }) { __typename } }`, { id: made.data.createApiToken.token.id }, { token: made.data.createApiToken.secret });
      expect((await trove.graphql(`{ viewer { role } }`)).data.viewer.role).toBe('ADMIN');
    } finally {
      await trove.close();
    }
  });

  it('TROVE_AUTH=required asks for a token on loopback too', async () => {
    const trove = await startTestTrove({ env: { TROVE_AUTH: 'required' } });
    try {
      expect(refusalCode(await trove.graphql(`{ artifacts { totalCount } }`))).toBe('UNAUTHENTICATED');
      expect((await trove.graphql(`{ viewer { role anonymous } }`)).data.viewer).toEqual({ role: null, anonymous: true });
    } finally {
      await trove.close();
    }
  });

  it('uploads need the write role', async () => {
    const trove = await startListeningTrove({ env: { TROVE_AUTH: 'required' } });
    try {
      const writer = (await createApiToken(trove.services.db, { role: 'WRITE', userHandle: 'w' })).secret;
      const reader = (await createApiToken(trove.services.db, { role: 'READ', userHandle: 'r' })).secret;
      const created = await trove.graphql(`mutation { createUpload(input: { size: 3 }) { ... on CreateUploadPayload { upload { url } } } }`, {}, { token: writer });
      const url = created.data.createUpload.upload.url.replace('http://trove.test', trove.url);
      const put = (token?: string) => fetch(url, { method: 'PUT', body: 'abc', headers: token ? { authorization: `Bearer ${token}` } : {} });
      const anonymous = await put();
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
      const asReader = await put(reader);
      expect(asReader.status).toBe(403);
      expect(await asReader.json()).toMatchObject({ code: 'FORBIDDEN', message: 'uploads need the write role; your token has the read role' });
      expect((await put(writer)).status).toBe(200);
    } finally {
      await trove.close();
    }
  });

  it('refuses to listen beyond loopback without authentication, in one line with exit code 2', async () => {
    await bundleServer();
    const child = spawn(process.execPath, [bundleFile], {
      env: { ...process.env, HOST: '0.0.0.0', PORT: '0', DATABASE_URL: 'postgresql://127.0.0.1:1/never-used', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('refusing to listen on 0.0.0.0 without authentication');
    expect(stderr).toContain('TROVE_AUTH=required');
  });

  it('listens beyond loopback with TROVE_AUTH=required and serves only tokens', async () => {
    const databaseUrl = await createDatabaseFromTemplate();
    const server = await startServerProcess({ HOST: '0.0.0.0', TROVE_AUTH: 'required', DATABASE_URL: databaseUrl });
    try {
      const anonymous = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ storages { totalCount } }' }) });
      expect(((await anonymous.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await server.stop();
    }
  });
});

describe('trove token (CLI)', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'trove-tokens-'));
  });
  afterAll(async () => rm(workDir, { recursive: true, force: true }));

  const cliPath = path.resolve(import.meta.dirname, '../bin/trove.js');
  async function trove(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('makes the first admin token on the database without a server, then manages tokens through the server', async () => {
    const databaseUrl = await createDatabaseFromTemplate();
    const made = await trove(['token', 'create', '--role', 'admin', '--user', 'ada', '--expires', '30d', '--name', 'first'], { DATABASE_URL: databaseUrl });
    expect(made.code).toBe(0);
    const adminToken = made.stdout.trim();
    expect(adminToken).toMatch(/^trove_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toContain('shown only now');

    const server = await startServerProcess({ DATABASE_URL: databaseUrl, TROVE_AUTH: 'required' });
    try {
      const base: NodeJS.ProcessEnv = { ...process.env, TROVE_URL: server.url };
      delete base.DATABASE_URL;
      const call = (args: string[], token?: string) =>
        run(process.execPath, [cliPath, ...args], { env: { ...base, ...(token ? { TROVE_TOKEN: token } : {}) }, timeout: 60_000 }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
        );

      expect((await call(['whoami'], adminToken)).stdout).toMatch(/^ada {2}role: admin {2}token [0-9A-Za-z]{12}\n$/);
      const refused = await call(['storage', 'list']);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain('error (UNAUTHENTICATED): this operation needs a token with the read role');

      const reader = (await call(['token', 'create', '--role', 'read', '--user', 'rob'], adminToken)).stdout.trim();
      const forbidden = await call(['storage', 'add', path.join(workDir, 'elsewhere')], reader);
      expect(forbidden.code).toBe(1);
      expect(forbidden.stderr.trim()).toBe('error (FORBIDDEN): this operation needs the admin role; your token has the read role');

      const listed = await call(['--json', 'token', 'list'], adminToken);
      const rows = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(rows.map((row) => [row.role, row.user.handle])).toEqual([
        ['ADMIN', 'ada'],
        ['READ', 'rob'],
      ]);
      expect(await call(['token', 'revoke', rows[1].id], adminToken)).toMatchObject({ code: 0 });
      const revoked = await call(['storage', 'list'], reader);
      expect(revoked.stderr.trim()).toBe('error (UNAUTHENTICATED): the bearer token was revoked: ask an admin for a new one (trove token create)');
    } finally {
      await server.stop();
    }
    const unreachable = await trove(['storage', 'list'], { TROVE_URL: 'http://127.0.0.1:9' });
    expect(unreachable.stderr.trim()).toMatch(/^error \(UNREACHABLE\): cannot reach the Trove server at http:\/\/127\.0\.0\.1:9 /);
  });

  it('makes a token in an embedded data folder with --data-dir', async () => {
    const dataDir = path.join(workDir, 'data');
    const made = await trove(['token', 'create', '--role', 'write', '--data-dir', dataDir, '--json']);
    expect(made.code, made.stderr).toBe(0);
    const parsed = JSON.parse(made.stdout);
    expect(parsed).toMatchObject({ token: { role: 'WRITE', user: { handle: 'trove' }, expiresAt: null } });
    const listed = await trove(['token', 'list', '--data-dir', dataDir]);
    expect(listed.stdout).toContain(`${parsed.token.id}  write  trove  no expiry`);
    const bad = await trove(['token', 'create', '--role', 'read', '--expires', 'soon', '--data-dir', dataDir]);
    expect(bad.stderr.trim()).toBe('error (INVALID_INPUT): --expires "soon" is not a duration such as 30d, 12h or 1y');
  });
});
