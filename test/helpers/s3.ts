// Credentials and buckets of the S3-compatible servers the global setup started.
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Client, type S3Settings } from '../../src/storage/s3-store';

export const swiftTester = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
/** Same Swift account, no rights: every request is a real AccessDenied. */
export const swiftReader = { accessKeyId: 'test:reader', secretAccessKey: 'readpass' };
export const SWIFT_BUCKET = 'trove-swift';

export function swiftSettings(credentials = swiftTester): S3Settings {
  const endpoint = inject('swiftEndpoint');
  if (!endpoint) throw new Error(inject('swiftSkipReason'));
  return { endpoint, credentials, region: 'us-east-1' };
}

/** Creates the shared Swift bucket (idempotent) and returns a root unique to the caller. */
export async function swiftRoot(prefix: string): Promise<string> {
  const client = createS3Client(swiftSettings());
  await client.send(new CreateBucketCommand({ Bucket: SWIFT_BUCKET })).catch((error: Error) => {
    if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(error.name)) throw error;
  });
  return `s3://${SWIFT_BUCKET}/${prefix}`;
}
