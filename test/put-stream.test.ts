// The SDK's streamed PUT (node:http instead of fetch): what arrives, a refusal sent before the body is read, and a
// server that is not there.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putStream } from '../src/client/put-stream';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/refuse') {
      // Answers at once, without reading the body, and drops the connection, as a size limit does.
      response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      response.end(JSON.stringify({ code: 'REQUEST_ENTITY_TOO_LARGE', message: 'too large' }), () => request.socket.destroy());
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    request.on('end', () => response.end(JSON.stringify({ method: request.method, size, sha256: hash.digest('hex'), length: request.headers['content-length'] })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** `chunks` pieces of 1 MiB of a repeated byte. */
const body = (chunks: number) => Readable.from(Array.from({ length: chunks }, (_, index) => Buffer.alloc(1024 * 1024, index)));

describe('putStream', () => {
  it('sends every byte of a stream and answers the status and body', async () => {
    const expected = createHash('sha256');
    for (let index = 0; index < 8; index++) expected.update(Buffer.alloc(1024 * 1024, index));
    const answer = await putStream(`${base}/ok`, { 'content-length': String(8 * 1024 * 1024) }, body(8));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ method: 'PUT', size: 8 * 1024 * 1024, sha256: expected.digest('hex'), length: String(8 * 1024 * 1024) });
  });

  it("answers a server's refusal sent before the body was read, not the broken pipe", async () => {
    const answer = await putStream(`${base}/refuse`, { 'content-length': String(64 * 1024 * 1024) }, body(64));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'REQUEST_ENTITY_TOO_LARGE' });
  });

  it('rejects when no server answers, and for a URL it cannot send to', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(putStream(`http://127.0.0.1:${port}/`, { 'content-length': '1048576' }, body(1))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(putStream('ftp://127.0.0.1/x', {}, body(1))).rejects.toThrow('cannot upload to ftp: URLs');
  });
});
