// The P1s relay baseline: a bare Node HTTP server that streams a PUT body into one PutObject on an S3 endpoint while
// hashing it (sha256), i.e. what any gateway that sees the bytes must at least do. Arguments: endpoint, bucket.
// Prints its port; answers the digest.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3-store';
import { sha256Pass } from './sha256-pass';

const [endpoint, bucket] = process.argv.slice(2);
if (!endpoint || !bucket) throw new Error('usage: bare-relay-server.ts <endpoint> <bucket>');
const s3 = createS3Client({ endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
let count = 0;
const server = createServer((request, response) => {
  const hashing = sha256Pass();
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: `relay/${++count}.bin`, Body: request.pipe(hashing.stream), ContentLength: Number(request.headers['content-length']) }))
    .then(() => response.end(hashing.digest()))
    .catch((error: Error) => response.writeHead(500).end(error.message));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
