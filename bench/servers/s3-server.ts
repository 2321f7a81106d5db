// s3rver in a process of its own, as a real S3 service would be: the benchmark's client and the S3 server must
// not share one event loop. Prints the port on stdout once listening; stops on SIGTERM.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket) throw new Error('usage: s3-server.ts <directory> <bucket>');
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.stdout.write(`${port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
