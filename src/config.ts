// One typed configuration object, read from the environment. The embedded defaults live here.
import path from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TROVE_DATA_DIR: z.string().min(1).default('./.trove'),
  DATABASE_URL: z.string().url().optional(),
  TROVE_STORAGE: z.string().min(1).optional(),
  TROVE_S3_ENDPOINT: z.string().url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TROVE_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(25_000_000),
  TROVE_VIRTUAL_KEYS: booleanFromEnv.default(true),
  TROVE_IF_HASH_EXISTS: z.enum(['RETURN_EXISTING', 'ERROR', 'CREATE_NEW']).default('RETURN_EXISTING'),
  TROVE_SEARCH_NAMES: booleanFromEnv.default(true),
  TROVE_SECRET: z.string().min(32).optional(),
  TROVE_PUBLIC_URL: z.string().url().optional(),
  TROVE_RECOVERY_GRACE_SECONDS: z.coerce.number().min(0).default(600),
  TROVE_RECOVERY_INTERVAL_SECONDS: z.coerce.number().min(0).default(300),
  TROVE_AUTH: z.enum(['auto', 'required']).default('auto'),
  TROVE_ALLOWED_ROOTS: z.string().optional(),
  TROVE_CORS_ORIGINS: z.string().optional(),
  TROVE_ALLOWED_HOSTS: z.string().optional(),
  TROVE_SECRET_PREVIOUS: z.string().min(32).optional(),
  TROVE_MAX_LIST_LENGTH: z.coerce.number().int().positive().default(10_000),
  TROVE_MAX_CONCURRENT_UPLOADS: z.coerce.number().int().positive().default(16),
  TROVE_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().default(60),
  TROVE_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  TROVE_LEASE_SECONDS: z.coerce.number().positive().default(30),
  TROVE_RECOVERY_POLL_SECONDS: z.coerce.number().min(0).default(5),
  TROVE_PUBLISH_IN_PLACE: booleanFromEnv.default(true),
  TROVE_S3_MAX_SINGLE_BYTES: z.coerce.number().int().positive().default(5 * 1024 ** 3),
  TROVE_S3_PART_BYTES: z.coerce.number().int().min(5 * 1024 ** 2).default(16 * 1024 ** 2),
  TROVE_FAULTS: z.string().optional(),
  TROVE_FAULT_SEED: z.coerce.number().int().optional(),
  TROVE_USER: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('trove'),
});

export type IfHashExists = 'RETURN_EXISTING' | 'ERROR' | 'CREATE_NEW';

export interface TroveConfig {
  port: number;
  host: string;
  /** Absolute path holding the embedded database and the default local storage. */
  dataDir: string;
  /** External PostgreSQL; when absent the embedded one in `dataDir` is used. */
  databaseUrl?: string;
  /** Default storage root: an absolute local path or s3://bucket/prefix. */
  defaultStorageRoot: string;
  /** TROVE_STORAGE was set: that root is made the default at every start. Otherwise the data folder's storage is the
   * default only until another is chosen (setDefaultStorage), and that choice lasts. */
  defaultStorageFromEnv: boolean;
  s3Endpoint?: string;
  awsRegion?: string;
  logLevel: string;
  maxUploadBytes: number;
  useVirtualKeys: boolean;
  ifHashExists: IfHashExists;
  searchNames: boolean;
  /** Handle of the user that owns records created through this server. */
  userHandle: string;
  /** Key for signed download URLs; generated into the data dir when absent. */
  secret?: string;
  /** Base URL clients use to reach this server, for URLs in responses (default: the request's origin). */
  publicUrl?: string;
  /** Unfinished storage work older than this is finished or undone by recovery. */
  recoveryGraceMs: number;
  /** How often recovery runs (0: only at start-up). */
  recoveryIntervalMs: number;
  /**
   * `auto`: without any token in the database, requests from this machine are served anonymously (as admin) when
   * the server listens on loopback; once a token exists, every request needs one. `required`: always tokens.
   */
  auth: 'auto' | 'required';
  /** Folders (and s3:// prefixes) inside which storages may be registered (real paths). */
  allowedRoots: string[];
  /** Origins (scheme://host[:port]) that browsers may call Trove from; empty: same origin only. */
  corsOrigins: string[];
  /** Host names requests may be addressed to, besides loopback names and TROVE_PUBLIC_URL's host. */
  allowedHosts: string[];
  /** A previous signing secret, still accepted for verification while URLs signed with it expire. */
  previousSecret?: string;
  /** Most elements a list argument (saveArtifacts inputs, createULabels, ...) may have. */
  maxListLength: number;
  /** Uploads received at once through PUT /uploads; more are answered 503 with Retry-After. */
  maxConcurrentUploads: number;
  /** A GraphQL request body must arrive within this time (slow senders are cut off). */
  requestTimeoutMs: number;
  /** On SIGTERM/SIGINT, requests in flight get this long to finish before their connections are closed. */
  shutdownGraceMs: number;
  /** How long a process owns storage work it performs; renewed every third of it while the work goes on. */
  leaseMs: number;
  /** How often recovery looks for storage work whose lease expired (0: only with the full sweep). */
  recoveryPollMs: number;
  /**
   * Local storages write a new artifact's bytes straight to its key under a write intent, and commit rows only (one
   * transaction). Off: they are staged and renamed into place after the commit, in a second transaction.
   */
  publishInPlace: boolean;
  /** S3: largest object put or copied in one request (S3's limit is 5 GiB); larger ones go in parts. */
  s3MaxSingleBytes: number;
  /** S3: smallest part of a multipart upload or copy (parts grow so that 10,000 of them hold the object). */
  s3PartBytes: number;
  /** Testing only: fault rules for child processes (see domain/fault-points.ts). */
  faults?: string;
  faultSeed?: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TroveConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  const dataDir = path.resolve(values.TROVE_DATA_DIR);
  const config: TroveConfig = {
    port: values.PORT,
    host: values.HOST,
    dataDir,
    databaseUrl: values.DATABASE_URL,
    defaultStorageRoot: normalizeStorageRoot(values.TROVE_STORAGE ?? path.join(dataDir, 'storage')),
    defaultStorageFromEnv: values.TROVE_STORAGE !== undefined,
    s3Endpoint: values.TROVE_S3_ENDPOINT,
    awsRegion: values.AWS_REGION,
    logLevel: values.LOG_LEVEL,
    maxUploadBytes: values.TROVE_MAX_UPLOAD_BYTES,
    useVirtualKeys: values.TROVE_VIRTUAL_KEYS,
    ifHashExists: values.TROVE_IF_HASH_EXISTS,
    searchNames: values.TROVE_SEARCH_NAMES,
    userHandle: values.TROVE_USER,
    secret: values.TROVE_SECRET,
    publicUrl: values.TROVE_PUBLIC_URL?.replace(/\/+$/, ''),
    recoveryGraceMs: values.TROVE_RECOVERY_GRACE_SECONDS * 1000,
    recoveryIntervalMs: values.TROVE_RECOVERY_INTERVAL_SECONDS * 1000,
    auth: values.TROVE_AUTH,
    allowedRoots: listOf(values.TROVE_ALLOWED_ROOTS).map(normalizeStorageRoot),
    corsOrigins: listOf(values.TROVE_CORS_ORIGINS).map(originOf),
    allowedHosts: listOf(values.TROVE_ALLOWED_HOSTS).map((host) => host.toLowerCase()),
    previousSecret: values.TROVE_SECRET_PREVIOUS,
    maxListLength: values.TROVE_MAX_LIST_LENGTH,
    maxConcurrentUploads: values.TROVE_MAX_CONCURRENT_UPLOADS,
    requestTimeoutMs: values.TROVE_REQUEST_TIMEOUT_SECONDS * 1000,
    shutdownGraceMs: values.TROVE_SHUTDOWN_GRACE_SECONDS * 1000,
    leaseMs: values.TROVE_LEASE_SECONDS * 1000,
    recoveryPollMs: values.TROVE_RECOVERY_POLL_SECONDS * 1000,
    publishInPlace: values.TROVE_PUBLISH_IN_PLACE,
    s3MaxSingleBytes: values.TROVE_S3_MAX_SINGLE_BYTES,
    s3PartBytes: values.TROVE_S3_PART_BYTES,
    faults: values.TROVE_FAULTS,
    faultSeed: values.TROVE_FAULT_SEED,
  };
  if (config.allowedRoots.length === 0) config.allowedRoots = [config.defaultStorageRoot];
  const problem = startupProblem(config);
  if (problem) throw new ConfigError(problem);
  return config;
}

/** Comma-separated lists; blanks ignored. */
function listOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function originOf(value: string): string {
  try {
    const url = new URL(value);
    if (url.origin === 'null') throw new Error('opaque');
    return url.origin;
  } catch {
    throw new ConfigError(`TROVE_CORS_ORIGINS: "${value}" is not an origin such as https://lab.example.org`);
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Why the server must not listen with this configuration, in one line; undefined when it may. */
export function listenProblem(config: TroveConfig): string | undefined {
  if (config.auth !== 'required' && !isLoopbackHost(config.host)) {
    return `refusing to listen on ${config.host} without authentication: other machines could reach it. Set TROVE_AUTH=required and create an admin token first (trove token create --role admin --data-dir ${config.dataDir}), or listen on 127.0.0.1`;
  }
  return undefined;
}

function startupProblem(config: TroveConfig): string | undefined {
  const root = config.defaultStorageRoot;
  if (!root.startsWith('s3://') && isInside(config.dataDir, root)) {
    return `TROVE_STORAGE=${root} contains the data folder ${config.dataDir} (database, signing secret): use a folder beside it or below it, such as ${path.join(config.dataDir, 'storage')}`;
  }
  return undefined;
}

/** Whether `inner` is `outer` or lies below it (lexically; both absolute). */
export function isInside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Local roots become absolute without a trailing slash; s3 roots lose their trailing slash. */
export function normalizeStorageRoot(root: string): string {
  if (root.startsWith('s3://')) return root.replace(/\/+$/, '');
  return path.resolve(root);
}
