// An s3rver of a figure's own (a child process with bucket `bench`), the S3 client that reaches it directly, and the
// environment that puts a Trove server's default storage in it.
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3-store';
import { startChildServer } from './child';
import type { BenchServices } from './services';

export interface BenchS3rver {
  endpoint: string;
  /** A client for direct requests: the baselines. */
  s3: S3Client;
  /** Environment of a Trove server whose default storage is `s3://bench/trove` on this s3rver. */
  troveEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3rver(services: BenchServices, folderName: string): Promise<BenchS3rver> {
  const server = await startChildServer('s3-server.ts', [path.join(services.workDir, folderName), 'bench']);
  const endpoint = `http://127.0.0.1:${server.port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    s3: createS3Client({ endpoint, credentials }),
    troveEnv: { TROVE_STORAGE: 's3://bench/trove', TROVE_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    stop: () => server.stop(),
  };
}
