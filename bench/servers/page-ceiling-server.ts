import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
const storage = { root: '/data/storage' };
const run = { transform: { key: 'bench/p3.py' } };
const nodes = Array.from({ length: 100 }, (_, i) => ({ id: `QXJ0aWZhY3Q6${i}`, key: `p3/run-1/file-${i}.txt`, size: 12, storage, labels: { totalCount: 3 }, run }));
const yoga = createYoga({ schema: createSchema({ typeDefs: `
  type Query { artifacts(first: Int): ArtifactConnection! }
  type ArtifactConnection { edges: [ArtifactEdge!]! }
  type ArtifactEdge { node: Artifact! }
  type Artifact { id: ID! key: String size: Int storage: Storage! labels(first: Int): LabelConnection! run: Run }
  type Storage { root: String! }
  type LabelConnection { totalCount: Int! }
  type Run { transform: Transform! }
  type Transform { key: String! }`, resolvers: { Query: { artifacts: async () => ({ edges: nodes.map((node) => ({ node })) }) } } }), logging: false });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
