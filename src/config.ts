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
  TROVE_ADMIN_TOKEN: z.string().min(16).optional(),
  TROVE_FAULT_PAUSE_BEFORE_PROMOTE_MS: z.coerce.number().int().min(0).default(0),
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
  /** Bearer token for admin operations (doctor, repair); they are refused when unset. */
  adminToken?: string;
  /** Fault injection for crash tests: sleep between commit and promote. */
  faultPauseBeforePromoteMs: number;
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
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir,
    databaseUrl: values.DATABASE_URL,
    defaultStorageRoot: normalizeStorageRoot(values.TROVE_STORAGE ?? path.join(dataDir, 'storage')),
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
    adminToken: values.TROVE_ADMIN_TOKEN,
    faultPauseBeforePromoteMs: values.TROVE_FAULT_PAUSE_BEFORE_PROMOTE_MS,
  };
}

/** Local roots become absolute without a trailing slash; s3 roots lose their trailing slash. */
export function normalizeStorageRoot(root: string): string {
  if (root.startsWith('s3://')) return root.replace(/\/+$/, '');
  return path.resolve(root);
}
