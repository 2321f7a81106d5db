// The P1 baseline: a bare Node HTTP server that writes a PUT body to a file while hashing it (sha256), i.e. what any
// upload server must at least do. Prints its port; answers the digest.
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sha256Pass } from './sha256-pass';

const [directory] = process.argv.slice(2);
if (!directory) throw new Error('usage: bare-put-server.ts <directory>');
let count = 0;
const server = createServer((request, response) => {
  const hashing = sha256Pass();
  pipeline(request, hashing.stream, createWriteStream(path.join(directory, `upload-${++count}`)))
    .then(() => response.end(hashing.digest()))
    .catch((error: Error) => response.writeHead(500).end(error.message));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
