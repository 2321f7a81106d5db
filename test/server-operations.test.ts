// The server as people run it: a shutdown that drains (with the embedded database, whose own exit hook used to cut
// requests), probes and Prometheus metrics, GraphiQL served with the server and working offline in a real headless
// browser, and a web page of an allowed origin saving files through the browser's own fetch and FormData.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/domain/tokens';
import { rawRequest } from './helpers/raw-http';
import { startServerProcess } from './helpers/server-process';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const CHROMIUM = '/usr/bin/chromium';
const WITHOUT_CHROMIUM = existsSync(CHROMIUM) ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium, as .ci/run does)`;

async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

describe('graceful shutdown', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'trove-shutdown-'));
  });
  afterAll(async () => rm(workDir, { recursive: true, force: true }));

  it('finishes an upload in flight on SIGTERM, then stops the embedded database and logs "stopped"', async () => {
    const server = await startServerProcess({ TROVE_DATA_DIR: path.join(workDir, 'data'), LOG_LEVEL: 'info', TROVE_SHUTDOWN_GRACE_SECONDS: '30' }, { captureOutput: true, timeoutMs: 60_000 });
    const graphql = async (query: string) =>
      (await (await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).json()) as any;
    const { uploadId } = (await graphql('mutation { createUpload(input: { size: 10 }) { ... on CreateUploadPayload { upload { uploadId } } } }')).data.createUpload.upload;
    // The first half of the body is sent; the server is told to stop while the rest is on its way.
    let finishBody!: () => void;
    const upload = new Promise<{ status: number; body: string }>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const url = new URL(server.url);
        const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: `/uploads/${uploadId}`, headers: { 'content-length': 10 } }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        req.on('error', reject);
        req.write('01234');
        finishBody = () => req.end('56789');
      }, reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the first half arrive (no assertion on time)
    server.child.kill('SIGTERM');
    // The server logs that it is draining before the body ends.
    for (let attempt = 0; attempt < 200 && !server.output().includes('shutting down'); attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(server.output()).toContain('shutting down');
    expect(server.child.exitCode).toBeNull();
    finishBody();
    const answered = await upload;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toMatchObject({ uploadId, size: 10 });
    await server.exited;
    expect(server.child.exitCode).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
    // The embedded PostgreSQL was stopped by Trove, not left running.
    expect(existsSync(path.join(workDir, 'data', 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});

describe('probes and metrics', () => {
  let trove: TestTrove & { url: string };
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it('answers /livez and /readyz', async () => {
    expect((await rawRequest(trove.url, { path: '/livez' })).status).toBe(200);
    const ready = await rawRequest(trove.url, { path: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ ok: true, database: 'ok', storage: 'ok', draining: false });
  });

  it('counts requests per operation, upload bytes, saved artifacts and pool use at /metrics, for readers only once tokens exist', async () => {
    await trove.query('mutation Named { createArtifact(input: { content: "counted", description: "metrics" }) { __typename } }');
    const { uploadId } = (await trove.query('mutation { createUpload(input: { size: 4 }) { ... on CreateUploadPayload { upload { uploadId } } } }')).createUpload.upload;
    expect((await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${uploadId}`, body: 'data' })).status).toBe(200);
    await fetch(`${trove.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Listing { artifacts { totalCount } }' }) });
    const metrics = (await rawRequest(trove.url, { path: '/metrics' })).body;
    expect(metrics).toMatch(/trove_upload_bytes_total 4/);
    expect(metrics).toMatch(/trove_artifacts_saved_total\{outcome="created"\} 1/);
    expect(metrics).toMatch(/trove_db_pool_connections\{state="total"\} \d+/);
    expect(metrics).toMatch(/graphql_envelop_request_duration_bucket\{.*operationName="Listing"/);
    expect(metrics).toMatch(/process_resident_memory_bytes \d+/);

    const reader = (await createApiToken(trove.services.db, { role: 'READ', userHandle: 'prometheus' })).secret;
    trove.gateway.authenticator.tokensChanged();
    expect((await rawRequest(trove.url, { path: '/metrics' })).status).toBe(401);
    expect((await rawRequest(trove.url, { path: '/metrics', headers: { authorization: `Bearer ${reader}` } })).status).toBe(200);
    await trove.services.db.apiToken.deleteMany();
    trove.gateway.authenticator.tokensChanged();
  });

  it('readiness turns 503 while draining', async () => {
    trove.gateway.startDraining();
    const draining = await rawRequest(trove.url, { path: '/readyz' });
    expect(draining.status).toBe(503);
    expect(draining.json()).toMatchObject({ ok: false, draining: true });
    expect((await rawRequest(trove.url, { path: '/livez' })).status).toBe(200);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(`GraphiQL in a headless browser${WITHOUT_CHROMIUM}`, () => {
  let trove: TestTrove & { url: string };
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it('renders from the server alone (no request leaves the machine) and runs a query', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const offMachine: string[] = [];
      page.on('request', (request) => {
        const host = new URL(request.url()).hostname;
        if (!['127.0.0.1', 'localhost'].includes(host) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) offMachine.push(request.url());
      });
      await page.goto(`${trove.url}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      expect(await page.title()).toBe('Trove');
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(() => document.body.innerText.includes('"isDefault"'), null, { timeout: 30_000 });
      const shown = (await page.evaluate(() => document.body.innerText)).replace(/\s+/g, ' ');
      expect(shown).toContain('"role": "ADMIN"');
      expect(offMachine).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});

/** A web app's page on its own origin (another loopback port), as a lab's frontend would be. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lab app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(!existsSync(CHROMIUM))(`uploads from a browser page of an allowed origin${WITHOUT_CHROMIUM}`, () => {
  let trove: TestTrove & { url: string };
  let allowed: { server: Server; origin: string };
  let foreign: { server: Server; origin: string };
  let token: string;
  beforeAll(async () => {
    [allowed, foreign] = await Promise.all([servePage(), servePage()]);
    trove = await startListeningTrove({ env: { TROVE_CORS_ORIGINS: allowed.origin } });
    token = (await createApiToken(trove.services.db, { role: 'WRITE', userHandle: 'lab-app' })).secret;
  });
  afterAll(async () => {
    await trove?.close();
    allowed?.server.close();
    foreign?.server.close();
  });

  it('saves a small file with a multipart request and a large one through an upload session, and reads it back', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(allowed.origin);
      const answers = await page.evaluate(
        async ({ api, token }) => {
          const graphql = async (body: BodyInit, headers: Record<string, string> = {}) =>
            (await (await fetch(`${api}/graphql`, { method: 'POST', body, headers: { authorization: `Bearer ${token}`, ...headers } })).json()) as any;
          const json = (query: string, variables: object) => graphql(JSON.stringify({ query, variables }), { 'content-type': 'application/json' });
          // A small file: the GraphQL multipart request, as Apollo's upload link or a plain <input type=file> sends it.
          const form = new FormData();
          const saveFile = 'mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid key size } } } }';
          form.set('operations', JSON.stringify({ query: saveFile, variables: { input: { file: null, key: 'browser/small.csv' } } }));
          form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
          form.set('0', new File(['a,b\n1,2\n'], 'small.csv', { type: 'text/csv' }));
          const small = await graphql(form, { 'x-trove-csrf': '1' });
          // A large file: an upload session, the bytes with one PUT, then the artifact.
          const bytes = new Uint8Array(3 * 1024 * 1024).map((_, index) => index % 251);
          const session = await json('mutation($input: CreateUploadInput) { createUpload(input: $input) { ... on CreateUploadPayload { upload { uploadId url } } } }', {
            input: { fileName: 'large.bin', size: bytes.length },
          });
          const { uploadId, url } = session.data.createUpload.upload;
          const put = await fetch(url, { method: 'PUT', body: new Blob([bytes]), headers: { authorization: `Bearer ${token}` } });
          const large = await json('mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid size hash downloadUrl } } } }', {
            input: { uploadId, key: 'browser/large.bin' },
          });
          const download = await fetch(large.data.createArtifact.artifact.downloadUrl);
          const back = new Uint8Array(await download.arrayBuffer());
          return { small: small.data.createArtifact, putStatus: put.status, large: large.data.createArtifact, downloadStatus: download.status, sameBytes: back.length === bytes.length && back.every((value, index) => value === bytes[index]) };
        },
        { api: trove.url, token },
      );
      expect(answers.small).toEqual({ __typename: 'ArtifactPayload', artifact: expect.objectContaining({ key: 'browser/small.csv', size: 8 }) });
      expect(answers).toMatchObject({ putStatus: 200, downloadStatus: 200, sameBytes: true, large: { __typename: 'ArtifactPayload', artifact: { size: 3 * 1024 * 1024 } } });
      // Both stores agree: the rows, and the objects at their storage keys.
      const rows = await trove.services.db.artifact.findMany({ where: { key: { startsWith: 'browser/' } }, orderBy: { key: 'asc' }, include: { createdBy: true } });
      expect(rows.map((row) => [row.key, Number(row.size), row.createdBy.handle])).toEqual([
        ['browser/large.bin', 3 * 1024 * 1024, 'lab-app'],
        ['browser/small.csv', 8, 'lab-app'],
      ]);
      for (const row of rows) expect(existsSync(path.join(trove.localRoot, row.storageKey))).toBe(true);

      // The same page on an origin that is not allowed cannot read any answer.
      await page.goto(foreign.origin);
      const blocked = await page.evaluate(async (api) => {
        try {
          await fetch(`${api}/graphql`, { method: 'POST', body: JSON.stringify({ query: '{ viewer { role } }' }), headers: { 'content-type': 'application/json' } });
          return 'read';
        } catch (error) {
          return (error as Error).name;
        }
      }, trove.url);
      expect(blocked).toBe('TypeError');
    } finally {
      await browser.close();
    }
  }, 90_000);
});
