// What browsers and hostile clients can make a Trove on a lab server do, over real HTTP: cross-site form and
// multipart posts run nothing (CSRF), CORS answers only the allow-list and never with credentials, requests to an
// unknown Host are refused (DNS rebinding), and bodies are bounded in size, length and time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl, UrlSigner, MAX_URL_LIFETIME_SECONDS } from '../src/http/signing';
import { rawRequest } from './helpers/raw-http';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const ALLOWED_ORIGIN = 'https://lab.example.org';
const FOREIGN_ORIGIN = 'https://evil.example';
const CREATE_LABEL = 'mutation { createULabel(input: { label: { name: "cross-site" }, searchNames: false }) { __typename } }';

describe('browsers: CSRF, CORS and Host', () => {
  let trove: TestTrove & { url: string };
  let port: string;
  beforeAll(async () => {
    trove = await startListeningTrove({ env: { TROVE_CORS_ORIGINS: ALLOWED_ORIGIN, TROVE_PUBLIC_URL: 'https://trove.lab.example.org' } });
    port = new URL(trove.url).port;
  });
  afterAll(async () => trove?.close());
  const labels = () => trove.services.db.uLabel.count({ where: { name: 'cross-site' } });

  it('runs no mutation from an HTML form post or a multipart post without a preflight header', async () => {
    const form = await rawRequest(trove.url, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: FOREIGN_ORIGIN },
      body: `query=${encodeURIComponent(CREATE_LABEL)}`,
    });
    expect(form.status).toBe(403);
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: CREATE_LABEL }));
    multipart.set('map', '{}');
    const encoded = new Response(multipart);
    const multipartResponse = await fetch(`${trove.url}/graphql`, { method: 'POST', body: await encoded.arrayBuffer(), headers: { 'content-type': encoded.headers.get('content-type')!, origin: FOREIGN_ORIGIN } });
    expect(multipartResponse.status).toBe(403);
    const text = await rawRequest(trove.url, { method: 'POST', path: '/graphql', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: CREATE_LABEL }) });
    expect(text.status).toBeGreaterThanOrEqual(400);
    const viaGet = await rawRequest(trove.url, { path: `/graphql?query=${encodeURIComponent(CREATE_LABEL)}`, headers: { 'x-trove-csrf': '1' } });
    expect(viaGet.status).toBe(405);
    expect(await labels()).toBe(0);

    // The same multipart request with the header (which a cross-site page cannot add without a preflight) runs.
    const withHeader = await fetch(`${trove.url}/graphql`, { method: 'POST', body: multipart, headers: { 'x-trove-csrf': '1' } });
    expect(((await withHeader.json()) as any).data.createULabel.__typename).toBe('ULabelPayload');
    expect(await labels()).toBe(1);
  });

  it('answers CORS for the allow-list only, never with credentials, on GraphQL, uploads and downloads', async () => {
    const preflight = (origin: string, path: string, method: string) =>
      rawRequest(trove.url, { method: 'OPTIONS', path, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

    for (const [path, method] of [['/graphql', 'POST'], ['/uploads/abcdefghijklmnopqrstuv', 'PUT'], ['/download/abcdefghijklmnopqrst', 'GET']] as const) {
      const foreign = await preflight(FOREIGN_ORIGIN, path, method);
      expect(foreign.headers['access-control-allow-origin'], path).toBeUndefined();
      const allowed = await preflight(ALLOWED_ORIGIN, path, method);
      expect(allowed.status, path).toBe(204);
      expect(allowed.headers['access-control-allow-origin'], path).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers['access-control-allow-methods'], path).toContain(method);
      expect(allowed.headers['access-control-allow-headers'], path).toContain('authorization');
      expect(allowed.headers['access-control-allow-credentials'], path).toBeUndefined();
    }

    // A browser app on the allowed origin uses the large-file path: PUT the bytes, then GET them back.
    const created = await trove.query(`mutation { createUpload(input: { size: 5, fileName: "b.txt" }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    const put = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${created.createUpload.upload.uploadId}`, headers: { origin: ALLOWED_ORIGIN, 'content-length': 5 }, body: 'hello' });
    expect(put.status).toBe(200);
    expect(put.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    const saved = await trove.query(`mutation($id: String) { createArtifact(input: { uploadId: $id, description: "browser" }) { ... on ArtifactPayload { artifact { downloadUrl } } } }`, { id: created.createUpload.upload.uploadId });
    const downloadUrl = new URL(saved.createArtifact.artifact.downloadUrl);
    // Signed URLs are built from TROVE_PUBLIC_URL, never from the request's Host.
    expect(downloadUrl.origin).toBe('https://trove.lab.example.org');
    const download = await rawRequest(trove.url, { path: downloadUrl.pathname + downloadUrl.search, headers: { origin: ALLOWED_ORIGIN } });
    expect(download.body).toBe('hello');
    expect(download.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(download.headers['access-control-expose-headers']).toContain('content-range');
    const foreignDownload = await rawRequest(trove.url, { path: downloadUrl.pathname + downloadUrl.search, headers: { origin: FOREIGN_ORIGIN } });
    expect(foreignDownload.headers['access-control-allow-origin']).toBeUndefined();

    const foreignPost = await rawRequest(trove.url, { method: 'POST', path: '/graphql', headers: { origin: FOREIGN_ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { role } }' }) });
    expect(foreignPost.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses requests addressed to an unknown Host (DNS rebinding) and serves the known ones', async () => {
    const rebound = await rawRequest(trove.url, { path: '/healthz', headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.json()).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    const graphql = await rawRequest(trove.url, { method: 'POST', path: '/graphql', headers: { host: `rebind.attacker.example:${port}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: CREATE_LABEL }) });
    expect(graphql.status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'trove.lab.example.org']) {
      expect((await rawRequest(trove.url, { path: '/healthz', headers: { host } })).status, host).toBe(200);
    }
    expect(await labels()).toBe(1);
  });
});

describe('bounded requests', () => {
  let trove: TestTrove & { url: string };
  beforeAll(async () => {
    trove = await startListeningTrove({ env: { TROVE_REQUEST_TIMEOUT_SECONDS: '1', TROVE_MAX_CONCURRENT_UPLOADS: '1', TROVE_MAX_LIST_LENGTH: '1000' } });
  });
  afterAll(async () => trove?.close());

  it('asks for a length on JSON bodies, and cuts off a body that does not arrive in time', async () => {
    const chunked = await rawRequest(trove.url, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: '{"query":"{ viewer { role } }"}' });
    expect(chunked.status).toBe(411);
    const stalled = await rawRequest(trove.url, { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', 'content-length': 1000 }, body: '{"query":', hold: true });
    expect(stalled.status).toBe(408);
    expect(stalled.json().errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
  });

  it('receives a bounded number of uploads at once', async () => {
    const first = await trove.query(`mutation { createUpload(input: { size: 10 }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    const second = await trove.query(`mutation { createUpload(input: { size: 10 }) { ... on CreateUploadPayload { upload { uploadId } } } }`);
    // The first upload stalls after 3 of 10 bytes, holding the only place.
    const stall = new AbortController();
    const held = rawRequest(trove.url, { method: 'PUT', path: `/uploads/${first.createUpload.upload.uploadId}`, headers: { 'content-length': 10 }, body: 'abc', hold: true, signal: stall.signal }).catch(() => undefined);
    let busy;
    for (let attempt = 0; attempt < 100; attempt++) {
      busy = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${second.createUpload.upload.uploadId}`, headers: { 'content-length': 10 }, body: '0123456789' });
      if (busy.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(busy!.status).toBe(503);
    expect(busy!.headers['retry-after']).toBe('5');
    expect(busy!.json()).toMatchObject({ code: 'TOO_MANY_UPLOADS' });
    stall.abort();
    await held;
    // The place is free again once the stalled sender is gone.
    let accepted;
    for (let attempt = 0; attempt < 100 && accepted?.status !== 200; attempt++) {
      accepted = await rawRequest(trove.url, { method: 'PUT', path: `/uploads/${second.createUpload.upload.uploadId}`, headers: { 'content-length': 10 }, body: '0123456789' });
      if (accepted.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(accepted!.status).toBe(200);
  });

  it('refuses an over-long list before coercing it, and stores nothing', async () => {
    const inputs = Array.from({ length: 200_000 }, (_, index) => ({ name: `l${index}` }));
    const response = await fetch(`${trove.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation($inputs: [ULabelInput!]!) { createULabels(input: { labels: $inputs }) { __typename } }', variables: { inputs } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT', field: 'inputs' }, message: expect.stringContaining('at most 1000') });
    expect(await trove.services.db.uLabel.count()).toBe(0);
    expect((await fetch(`${trove.url}/healthz`)).status).toBe(200);
  });
});

describe('signed URLs', () => {
  const secret = Buffer.alloc(32, 7);
  it('live at most seven days, checked when used, and a previous secret still verifies while it is rotated out', () => {
    const signer = new UrlSigner(secret);
    const url = new URL(signer.sign('u'.repeat(20), 10 * MAX_URL_LIFETIME_SECONDS), 'http://x');
    expect(Number(url.searchParams.get('expires')) - Date.now() / 1000).toBeLessThanOrEqual(MAX_URL_LIFETIME_SECONDS);
    expect(signer.verify('u'.repeat(20), url.searchParams.get('expires'), url.searchParams.get('signature'))).toBe('ok');

    // A URL claiming a longer life is refused even with a valid signature (it was never issued by Trove).
    const forged = new UrlSigner(secret);
    const farFuture = String(Math.floor(Date.now() / 1000) + 30 * 24 * 3600);
    const signature = new URL(forged.sign('v'.repeat(20), 60), 'http://x').searchParams.get('signature');
    expect(forged.verify('v'.repeat(20), farFuture, signature)).toBe('invalid');

    const rotated = new UrlSigner(Buffer.alloc(32, 8), secret);
    expect(rotated.verify('u'.repeat(20), url.searchParams.get('expires'), url.searchParams.get('signature'))).toBe('ok');
    expect(new UrlSigner(Buffer.alloc(32, 8)).verify('u'.repeat(20), url.searchParams.get('expires'), url.searchParams.get('signature'))).toBe('invalid');
  });

  it('never appear with a usable signature in request logs', () => {
    expect(redactUrl('/download/abc?expires=1&signature=SECRET')).toBe('/download/abc?expires=1&signature=[redacted]');
    expect(redactUrl('/x?X-Amz-Signature=abc&a=1')).toBe('/x?X-Amz-Signature=[redacted]&a=1');
  });
});
