// createArtifact(content) done by hand on graphql-yoga, `pg` and node:fs, with the work a crash-safe save of new bytes
// cannot skip: the content's md5, a write intent file, the bytes in a new file, one transaction (a lock on the hash,
// the look-up of that hash, the row's INSERT), and the intent's removal. No Prisma, Pothos, access rules, limits or
// metrics: the floor the P6 and P2c figures are set beside. Arguments: database URL, folder, storage id, user id (rows
// go to the bench's scratch table `bench_artifact`). Prints its port.
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';

const [databaseUrl, folder, storageId, userId] = process.argv.slice(2) as [string, string, string, string];
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const uid20 = () => [...randomBytes(16)].map((byte) => BASE62[byte % 62]).join('') + '0000';

async function writeNew(file: string, bytes: Buffer | string): Promise<void> {
  const handle = await open(file, CREATE_NEW, 0o644);
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
}

async function createArtifact(content: string, description: string | null): Promise<{ uid: string }> {
  const bytes = Buffer.from(content);
  const hash = createHash('md5').update(bytes).digest('base64url').slice(0, 22);
  const uid = uid20();
  const storageKey = `.lamindb/${uid}.txt`;
  const intent = path.join(folder, 'staging', `in-place.${uid}`);
  await writeNew(intent, `${uid} ${storageKey}\n`);
  await writeNew(path.join(folder, storageKey), bytes);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hash:${hash}`]);
    const existing = await client.query<{ uid: string }>('SELECT uid FROM bench_artifact WHERE hash = $1 AND size = $2 LIMIT 1', [hash, bytes.length]);
    if (existing.rows[0]) {
      await client.query('ROLLBACK');
      await unlink(path.join(folder, storageKey));
      return existing.rows[0];
    }
    await client.query(
      `INSERT INTO bench_artifact (uid, description, size, hash, "storageKey", "storageId", "createdById", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
      [uid, description, bytes.length, hash, storageKey, Number(storageId), Number(userId)],
    );
    await client.query('COMMIT');
    return { uid };
  } finally {
    client.release();
    await unlink(intent);
  }
}

await mkdir(path.join(folder, 'staging'), { recursive: true });
await mkdir(path.join(folder, '.lamindb'), { recursive: true });
const yoga = createYoga({
  schema: createSchema({
    typeDefs: `
      type Query { ok: Boolean }
      input CreateArtifactInput { content: String! description: String }
      type Artifact { uid: String! }
      type ArtifactPayload { artifact: Artifact! }
      union CreateArtifactResult = ArtifactPayload
      type Mutation { createArtifact(input: CreateArtifactInput!): CreateArtifactResult! }`,
    resolvers: {
      CreateArtifactResult: { __resolveType: () => 'ArtifactPayload' },
      Mutation: {
        createArtifact: async (_root, { input }: { input: { content: string; description?: string } }) => ({ artifact: await createArtifact(input.content, input.description ?? null) }),
      },
    },
  }),
  logging: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
