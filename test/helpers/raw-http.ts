// Plain HTTP requests with full control over headers (Host, Origin, no Content-Length) and over when the body
// ends, for the tests of what browsers and slow or hostile clients send.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  /** Sent and the request ended; with `hold`, sent and the request left open. */
  body?: string | Buffer;
  /** Leave the body unfinished (a slow or stalled sender). */
  hold?: boolean;
  /** Destroys the connection when aborted. */
  signal?: AbortSignal;
}

export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path: options.path, headers: options.headers, setHost: !options.headers?.host, signal: options.signal },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          resolve({ status: response.statusCode!, headers: response.headers, body, json: () => JSON.parse(body) });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    const headers = options.headers ?? {};
    if (options.body !== undefined && !options.hold && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      request.setHeader('content-length', Buffer.byteLength(options.body));
    }
    if (options.body !== undefined) request.write(options.body);
    if (!options.hold) request.end();
  });
}
