// The P3 page on graphql-yoga with resolvers written by hand over `pg` (one page query, then one batched query per
// kind of related row, as Trove's loaders do): what the page costs without Prisma or Pothos. It reads the database
// Trove seeded (argument 1). Prints its port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import DataLoader from 'dataloader';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.argv[2]!, max: 10 });
type Row = Record<string, unknown> & { id: number };
const byId = (table: string) =>
  new DataLoader<number, Row>(async (ids) => {
    const { rows } = await pool.query<Row>(`SELECT * FROM "${table}" WHERE id = ANY($1::int[])`, [[...ids]]);
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? new Error(`${table} ${id} not found`));
  });
interface Loaders {
  storage: DataLoader<number, Row>;
  run: DataLoader<number, Row>;
  transform: DataLoader<number, Row>;
  labelCount: DataLoader<number, number>;
}
const yoga = createYoga<{ loaders: Loaders }>({
  schema: createSchema<{ loaders: Loaders }>({
    typeDefs: `
      type Query { artifacts(first: Int): ArtifactConnection! }
      type ArtifactConnection { edges: [ArtifactEdge!]! }
      type ArtifactEdge { node: Artifact! cursor: String! }
      type Artifact { id: ID! key: String size: Int storage: Storage! labels(first: Int): LabelCount! run: Run }
      type Storage { root: String! }
      type LabelCount { totalCount: Int! }
      type Run { transform: Transform! }
      type Transform { key: String }`,
    resolvers: {
      Query: {
        artifacts: async (_root, args: { first?: number }) => {
          const { rows } = await pool.query<Row>(`SELECT * FROM "Artifact" WHERE branch = 'MAIN' ORDER BY "createdAt" DESC, uid ASC LIMIT $1`, [(args.first ?? 20) + 1]);
          return { edges: rows.slice(0, args.first ?? 20).map((node) => ({ node, cursor: node.uid })) };
        },
      },
      Artifact: {
        id: (artifact: Row) => Buffer.from(`Artifact:${artifact.uid}`).toString('base64'),
        size: (artifact: Row) => (artifact.size === null ? null : Number(artifact.size)),
        storage: (artifact: Row, _args: unknown, context: { loaders: Loaders }) => context.loaders.storage.load(artifact.storageId as number),
        run: (artifact: Row, _args: unknown, context: { loaders: Loaders }) => (artifact.runId === null ? null : context.loaders.run.load(artifact.runId as number)),
        labels: async (artifact: Row, _args: unknown, context: { loaders: Loaders }) => ({ totalCount: await context.loaders.labelCount.load(artifact.id) }),
      },
      Run: { transform: (run: Row, _args: unknown, context: { loaders: Loaders }) => context.loaders.transform.load(run.transformId as number) },
    },
  }),
  context: () => ({
    loaders: {
      storage: byId('Storage'),
      run: byId('Run'),
      transform: byId('Transform'),
      labelCount: new DataLoader<number, number>(async (ids) => {
        const { rows } = await pool.query<{ artifactId: number; count: number }>(
          `SELECT "artifactId", count(*)::int AS count FROM "ArtifactULabel" WHERE "artifactId" = ANY($1::int[]) GROUP BY "artifactId"`,
          [[...ids]],
        );
        const counts = new Map(rows.map((row) => [row.artifactId, row.count]));
        return ids.map((id) => counts.get(id) ?? 0);
      }),
    },
  }),
  logging: false,
});
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
