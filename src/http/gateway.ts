// The HTTP face of Trove: GraphQL (with GraphiQL) at /graphql, the streaming file routes and the health check.
// Every request passes the same gate first: a known Host (DNS rebinding), the CORS allow-list, body caps and
// timeouts; then GraphQL requests are authenticated and each field checks its role (schema/builder.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createFetch } from '@whatwg-node/fetch';
import cors from 'cors';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError, type YogaServerInstance } from 'graphql-yoga';
import { createReadLoaders } from '../db/read-loaders';
import { hasRole } from '../domain/access';
import { TroveError } from '../domain/errors';
import type { TroveContext, TroveServices } from '../context';
import { schema } from '../schema/index';
import { AuthenticationError, Authenticator, credentialsOf, credentialsOfRequest } from './authenticate';
import { handleDownload, handleUpload, refuseUnread, sendJson } from './files';
import { allowedHostNames, hostNameOf } from './hosts';
import { queryLimitsPlugin, variablesLimitPlugin } from './limits';
import { redactUrl } from './signing';

export interface Gateway {
  yoga: YogaServerInstance<{ req: IncomingMessage; res: ServerResponse }, TroveContext>;
  authenticator: Authenticator;
  /** Node request handler for http.createServer. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  health(): Promise<{ ok: boolean; database: string; storage: string }>;
  /** The server is shutting down: /readyz answers 503 so load balancers stop sending requests. */
  startDraining(): void;
}

/** Room for the query, variables and multipart framing on top of the content cap. */
const GRAPHQL_REQUEST_SLACK_BYTES = 1024 * 1024;

/** Headers that let a browser request pass yoga's CSRF check (Apollo Client sends the second one for uploads). */
export const CSRF_HEADERS = ['x-trove-csrf', 'apollo-require-preflight', 'x-graphql-yoga-csrf'];

function isGraphQLErrorLike(error: unknown): error is GraphQLError {
  return typeof error === 'object' && error !== null && 'extensions' in error && 'path' in error;
}

export function createGateway(services: TroveServices): Gateway {
  const { config, log } = services;
  const { maxUploadBytes } = config;
  const authenticator = new Authenticator(services);
  const TOO_LARGE_ADVICE = `GraphQL requests carry at most ${maxUploadBytes} bytes of content (the server's TROVE_MAX_UPLOAD_BYTES): send larger files with createUpload, which takes any size`;
  const hosts = allowedHostNames(config);
  let uploadsInFlight = 0;
  let draining = false;

  /** Expected (domain) errors keep their message and carry `extensions.code`; anything else is masked and logged. */
  function maskUnexpectedError(error: unknown, message: string, isDev?: boolean): Error {
    // Duck-typed: graphql may be loaded twice (ESM and CJS builds), which defeats instanceof GraphQLError.
    const original = isGraphQLErrorLike(error) ? error.originalError : error;
    if (original instanceof TroveError) {
      const graphqlError = error as GraphQLError;
      log.info({ code: original.code, path: graphqlError.path?.join('.') }, original.message);
      return createGraphQLError(original.message, {
        nodes: graphqlError.nodes,
        path: graphqlError.path,
        extensions: { code: original.code, ...original.details() },
      });
    }
    // Pothos refuses malformed arguments itself (a negative `first`, a bad cursor or global id): the caller's mistake.
    if ((original as Error | undefined)?.name === 'PothosValidationError') {
      const graphqlError = error as GraphQLError;
      log.info({ code: 'INVALID_INPUT', path: graphqlError.path?.join('.') }, (original as Error).message);
      return createGraphQLError((original as Error).message, { nodes: graphqlError.nodes, path: graphqlError.path, extensions: { code: 'INVALID_INPUT' } });
    }
    log.error({ err: original ?? error }, 'unexpected error in a GraphQL operation');
    return maskError(error, message, isDev);
  }

  const yoga = createYoga<{ req: IncomingMessage; res: ServerResponse }, TroveContext>({
    schema,
    // Multipart files are parsed into memory: stop at the cap instead of buffering whatever is sent. Fields get the
    // cap plus room for the query, as inline `content` travels in the `operations` field.
    fetchAPI: createFetch({ formDataLimits: { fileSize: maxUploadBytes, fieldSize: maxUploadBytes + GRAPHQL_REQUEST_SLACK_BYTES, files: 1000 } }),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // CORS is answered by the gate in `handle`, for every route alike.
    cors: false,
    // GraphiQL bundled with the server (no CDN): it works in an air-gapped lab.
    renderGraphiQL,
    graphiql: {
      title: 'Trove',
      defaultQuery: '{\n  viewer { role user { handle } }\n  storages {\n    edges { node { uid root type isDefault } }\n  }\n}\n',
    },
    // Unexpected errors reach the client as "Unexpected error."; expected ones are typed results.
    maskedErrors: { maskError: maskUnexpectedError },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      // Yoga reports every error it answers with; a client's mistake (it carries a code) is not a server error.
      error: (...args) => {
        const code = (args[0] as GraphQLError | undefined)?.extensions?.code;
        if (typeof code === 'string') log.info({ code }, (args[0] as Error).message);
        else log.error({ err: args[0] }, args.slice(1).map(String).join(' ') || 'GraphQL error');
      },
    },
    context: async ({ request }): Promise<TroveContext> => {
      let viewer;
      try {
        viewer = await authenticator.viewerFor(credentialsOf(request.headers));
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        throw createGraphQLError(error.message, {
          extensions: { code: error.code, http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
        });
      }
      return {
        ...services,
        requestId: request.headers.get('x-request-id') ?? randomUUID(),
        baseUrl: config.publicUrl ?? new URL(request.url).origin,
        viewer,
        user: viewer.user,
        loaders: createReadLoaders(services.read),
        tokensChanged: () => authenticator.tokensChanged(),
      };
    },
    plugins: [
      // Form posts and multipart posts from other sites run nothing: browsers cannot add a custom header without a
      // CORS preflight, which only the allow-list passes.
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      queryLimitsPlugin(),
      variablesLimitPlugin(config.maxListLength),
      services.metrics.plugin(),
      {
        // The multipart parser's own refusal says only "File size limit exceeded": say what to do instead.
        onResultProcess: ({ result, setResult }) => {
          const errors = (result as { errors?: GraphQLError[] }).errors;
          if (errors?.some((error) => /size limit exceeded/i.test(error.message))) {
            setResult({ errors: [createGraphQLError(TOO_LARGE_ADVICE, { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } })] });
          }
        },
      },
      {
        onResponse: ({ request, response }) => {
          const requestId = request.headers.get('x-request-id');
          if (requestId) response.headers.set('x-request-id', requestId);
        },
      },
    ],
  });

  const corsGate = cors({
    // No origin list: no CORS headers at all, so browsers keep other sites out (same-origin GraphiQL still works).
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'range', ...CSRF_HEADERS],
    exposedHeaders: ['x-request-id', 'content-range', 'content-length', 'content-disposition', 'etag', 'accept-ranges'],
    maxAge: 600,
  });

  async function health() {
    const [database, storage] = await Promise.all([
      services.db.$queryRaw`SELECT 1`.then(() => 'ok', (error: Error) => error.message),
      // The default storage as the database says (setDefaultStorage may have chosen another since the start).
      services.db.storage
        .findFirstOrThrow({ where: { isDefault: true } })
        .then((storage) => services.stores.storeFor(storage.root).check())
        .then(() => 'ok', (error: Error) => error.message),
    ]);
    return { ok: database === 'ok' && storage === 'ok', database, storage };
  }

  /** Ends a GraphQL request whose body does not arrive in time (slowloris). */
  function limitBodyTime(request: IncomingMessage, response: ServerResponse): void {
    const timer = setTimeout(() => {
      if (request.complete) return;
      sendJson(response, 408, { errors: [{ message: `the request body did not arrive within ${config.requestTimeoutMs / 1000} s`, extensions: { code: 'REQUEST_TIMEOUT' } }] }, { connection: 'close' });
      request.destroy();
    }, config.requestTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    request.once('end', clear);
    response.once('close', clear);
  }

  async function routeUpload(uploadId: string, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (uploadsInFlight >= config.maxConcurrentUploads) {
      refuseUnread(request, response, 503, { code: 'TOO_MANY_UPLOADS', message: `${config.maxConcurrentUploads} uploads are being received (TROVE_MAX_CONCURRENT_UPLOADS); retry shortly` }, { 'retry-after': '5' });
      return;
    }
    uploadsInFlight++;
    try {
      await handleUpload(services, authenticator, uploadId, url, request, response);
    } finally {
      uploadsInFlight--;
    }
  }

  /** Metrics are readable by whoever may read (Prometheus sends a read token as its bearer credentials). */
  async function routeMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const viewer = await authenticator.viewerFor(credentialsOfRequest(request));
      if (!hasRole(viewer, 'READ')) return sendJson(response, 401, { code: 'UNAUTHENTICATED', message: 'metrics need a token with the read role' });
    } catch (error) {
      if (error instanceof AuthenticationError) return sendJson(response, 401, { code: error.code, message: error.message });
      throw error;
    }
    void yoga(request, response);
  }

  function route(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const path = url.pathname;
    const upload = /^\/uploads\/([0-9A-Za-z]{22})$/.exec(path);
    if (upload && request.method === 'PUT') return void routeUpload(upload[1]!, url, request, response);
    const download = /^\/download\/([0-9A-Za-z]{20})$/.exec(path);
    if (download && (request.method === 'GET' || request.method === 'HEAD')) {
      return void handleDownload(services, download[1]!, url, request, response);
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      // /livez: the process answers. /readyz: it should get traffic (database and storage answer, not draining).
      // /healthz: the same as /readyz, with the failing part's message.
      if (path === '/livez') return void sendJson(response, 200, { ok: true });
      if (path === '/healthz' || path === '/readyz') {
        void health().then((result) => {
          const ready = result.ok && !draining;
          sendJson(response, ready ? 200 : 503, { ...result, ok: ready, draining });
        });
        return;
      }
    }
    if (path === '/' && request.method === 'GET') {
      response.writeHead(302, { location: '/graphql' });
      response.end();
      return;
    }
    if (path === '/metrics' && request.method === 'GET') return void routeMetrics(request, response);
    if (path !== '/graphql') {
      sendJson(response, 404, { code: 'NOT_FOUND', message: `no route ${request.method} ${path}; GraphQL is at /graphql` });
      return;
    }
    if (request.method === 'POST') {
      const declared = request.headers['content-length'];
      const multipart = request.headers['content-type']?.toLowerCase().startsWith('multipart/form-data') ?? false;
      if (declared === undefined && !multipart) {
        // A JSON body without a length would be read whole before any cap applies (multipart parsing stops at its
        // limits by itself); every GraphQL client sends one.
        refuseUnread(request, response, 411, { errors: [{ message: 'send a Content-Length with GraphQL requests', extensions: { code: 'LENGTH_REQUIRED' } }] });
        return;
      }
      if (Number(declared) > maxUploadBytes + GRAPHQL_REQUEST_SLACK_BYTES) {
        // Refused before a byte is read: yoga would buffer the whole body. Same code as yoga's own multipart limit.
        const message = `the request has ${declared} bytes; ${TOO_LARGE_ADVICE}`;
        refuseUnread(request, response, 413, { errors: [{ message, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] }, { 'content-type': 'application/graphql-response+json; charset=utf-8' });
        return;
      }
      limitBodyTime(request, response);
    }
    void yoga(request, response);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    // A client that goes away mid-body makes Node destroy the request with an error; without a listener that error
    // would end the process. Routes that read bodies see the failure through their own streams.
    request.on('error', (error) => log.debug({ err: error }, 'request stream failed'));
    const requestId = (request.headers['x-request-id'] as string | undefined)?.slice(0, 128) ?? randomUUID();
    request.headers['x-request-id'] = requestId;
    response.setHeader('x-request-id', requestId);
    const started = performance.now();
    response.on('finish', () =>
      log.info(
        { requestId, method: request.method, url: redactUrl(request.url), status: response.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      ),
    );
    const host = request.headers.host;
    if (!host || !hosts.has(hostNameOf(host))) {
      sendJson(response, 403, {
        code: 'HOST_NOT_ALLOWED',
        message: `requests to host "${host ?? ''}" are refused (DNS rebinding protection); add it to TROVE_ALLOWED_HOSTS or set TROVE_PUBLIC_URL`,
      });
      return;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://trove.local');
    } catch {
      sendJson(response, 400, { code: 'BAD_REQUEST', message: 'the request target is not a valid URL path' });
      return;
    }
    corsGate(request, response, () => route(request, response, url));
  }

  return { yoga, authenticator, handle, health, startDraining: () => void (draining = true) };
}
