// The HTTP face of Trove: GraphQL (with GraphiQL) at /graphql and the health check at /healthz.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFetch } from '@whatwg-node/fetch';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { InvalidInputError, TroveError } from '../domain/errors';
import type { TroveContext, TroveServices } from '../context';
import { schema } from '../schema/index';
import { handleDownload, handleUpload, sendJson } from './files';
import { queryLimitsPlugin } from './limits';

export interface Gateway {
  yoga: YogaServerInstance<{ req: IncomingMessage; res: ServerResponse }, TroveContext>;
  /** Node request handler for http.createServer. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  health(): Promise<{ ok: boolean; database: string; storage: string }>;
}

/** Expected (domain) errors keep their message and carry `extensions.code`; anything else is masked. */
function maskUnexpectedError(error: unknown, message: string, isDev?: boolean): Error {
  // Duck-typed: graphql may be loaded twice (ESM and CJS builds), which defeats instanceof GraphQLError.
  const original = (error as GraphQLError | undefined)?.originalError;
  if (original instanceof TroveError) {
    const graphqlError = error as GraphQLError;
    return createGraphQLError(original.message, {
      nodes: graphqlError.nodes,
      path: graphqlError.path,
      extensions: { code: original.code, ...(original instanceof InvalidInputError && original.field ? { field: original.field } : {}) },
    });
  }
  return maskError(error, message, isDev);
}

/** Room for the query, variables and multipart framing on top of the content cap. */
const GRAPHQL_REQUEST_SLACK_BYTES = 1024 * 1024;

function isAdminRequest(adminToken: string | undefined, authorization: string | null): boolean {
  if (!adminToken || !authorization) return false;
  const given = Buffer.from(authorization.replace(/^Bearer\s+/i, ''));
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createGateway(services: TroveServices): Gateway {
  const { maxUploadBytes } = services.config;
  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, TroveContext>({
    schema,
    // Multipart files are parsed into memory: stop at the cap instead of buffering whatever is sent. Fields get the
    // cap plus room for the query, as inline `content` travels in the `operations` field.
    fetchAPI: createFetch({ formDataLimits: { fileSize: maxUploadBytes, fieldSize: maxUploadBytes + GRAPHQL_REQUEST_SLACK_BYTES, files: 1000 } }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Trove', defaultQuery: '{\n  storages {\n    edges { node { uid root type isDefault } }\n  }\n}\n' },
    // Unexpected errors reach the client as "Unexpected error."; expected ones are typed results.
    maskedErrors: { maskError: maskUnexpectedError },
    logging: {
      debug: (...args) => services.log.debug(args.map(String).join(' ')),
      info: (...args) => services.log.info(args.map(String).join(' ')),
      warn: (...args) => services.log.warn(args.map(String).join(' ')),
      error: (...args) => services.log.error({ err: args[0] }, args.slice(1).map(String).join(' ') || 'GraphQL error'),
    },
    context: ({ request }): TroveContext => ({
      ...services,
      requestId: request.headers.get('x-request-id') ?? randomUUID(),
      baseUrl: services.config.publicUrl ?? new URL(request.url).origin,
      isAdmin: isAdminRequest(services.config.adminToken, request.headers.get('authorization')),
    }),
    plugins: [
      queryLimitsPlugin(),
      {
        onResponse: ({ request, response }) => {
          const requestId = request.headers.get('x-request-id');
          if (requestId) response.headers.set('x-request-id', requestId);
        },
      },
    ],
  });

  async function health() {
    const [database, storage] = await Promise.all([
      services.db.$queryRaw`SELECT 1`.then(() => 'ok', (error: Error) => error.message),
      services.stores.storeFor(services.config.defaultStorageRoot).check().then(() => 'ok', (error: Error) => error.message),
    ]);
    return { ok: database === 'ok' && storage === 'ok', database, storage };
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const requestId = (request.headers['x-request-id'] as string | undefined) ?? randomUUID();
    request.headers['x-request-id'] = requestId;
    response.setHeader('x-request-id', requestId);
    const started = performance.now();
    response.on('finish', () =>
      services.log.info(
        { requestId, method: request.method, url: request.url, status: response.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      ),
    );
    const url = new URL(request.url ?? '/', 'http://trove.local');
    const path = url.pathname;
    const upload = /^\/uploads\/([0-9A-Za-z]{22})$/.exec(path);
    if (upload && request.method === 'PUT') return void handleUpload(services, upload[1]!, request, response);
    const download = /^\/download\/([0-9A-Za-z]{20})$/.exec(path);
    if (download && (request.method === 'GET' || request.method === 'HEAD')) {
      return void handleDownload(services, download[1]!, url, request, response);
    }
    if (path === '/healthz') {
      void health().then((result) => {
        response.writeHead(result.ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(result));
      });
      return;
    }
    if (path === '/' && request.method === 'GET') {
      response.writeHead(302, { location: '/graphql' });
      response.end();
      return;
    }
    const declaredLength = Number(request.headers['content-length'] ?? 0);
    if (path === '/graphql' && declaredLength > maxUploadBytes + GRAPHQL_REQUEST_SLACK_BYTES) {
      // Refused before a byte is read: yoga would buffer the whole body. Same code as yoga's own multipart limit.
      const message = `the request has ${declaredLength} bytes; GraphQL requests are limited to ${maxUploadBytes} bytes of content (TROVE_MAX_UPLOAD_BYTES): use createUpload for large files`;
      sendJson(response, 413, { errors: [{ message, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] }, { 'content-type': 'application/graphql-response+json; charset=utf-8', connection: 'close' });
      return;
    }
    void yoga(request, response);
  }

  return { yoga, handle, health };
}
