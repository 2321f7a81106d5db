// The P3 page served by the fixed stack alone: graphql-yoga, Pothos with its Prisma and Relay plugins, Prisma on
// @prisma/adapter-pg, written as the plugin's documentation writes it (relations preloaded by the plugin, the label
// count selected with the page). None of Trove's own layers: no access rules, query limits, metrics or loaders. It
// reads the database Trove seeded (argument 1). Prints its port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { PrismaPg } from '@prisma/adapter-pg';
import { createYoga } from 'graphql-yoga';
import { PrismaClient } from '../../src/db/generated/client';
import type PrismaTypes from '../../src/db/generated/pothos-types';
import { getDatamodel } from '../../src/db/generated/pothos-types';

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.argv[2]! }) });
const builder = new SchemaBuilder<{ PrismaTypes: PrismaTypes; DefaultFieldNullability: false }>({
  plugins: [PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  prisma: { client: prisma, dmmf: getDatamodel() },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
  // Required by the types the project's other plugins declare globally; unused without the plugin.
  scopeAuth: { authScopes: () => ({}) },
});
const LabelCount = builder.objectRef<{ totalCount: number }>('LabelCount').implement({ fields: (t) => ({ totalCount: t.exposeInt('totalCount') }) });
builder.prismaObject('Storage', { fields: (t) => ({ root: t.exposeString('root') }) });
builder.prismaObject('Transform', { fields: (t) => ({ key: t.exposeString('key', { nullable: true }) }) });
builder.prismaObject('Run', { fields: (t) => ({ transform: t.relation('transform') }) });
builder.prismaNode('Artifact', {
  id: { field: 'uid' },
  fields: (t) => ({
    key: t.exposeString('key', { nullable: true }),
    size: t.int({ nullable: true, resolve: (artifact) => (artifact.size === null ? null : Number(artifact.size)) }),
    storage: t.relation('storage'),
    run: t.relation('run', { nullable: true }),
    labels: t.field({
      type: LabelCount,
      args: { first: t.arg.int() },
      select: { _count: { select: { labels: true } } },
      resolve: (artifact) => ({ totalCount: artifact._count.labels }),
    }),
  }),
});
builder.queryType({
  fields: (t) => ({
    artifacts: t.prismaConnection({
      type: 'Artifact',
      cursor: 'uid',
      resolve: (query) => prisma.artifact.findMany({ ...query, where: { branch: 'MAIN' }, orderBy: [{ createdAt: 'desc' }, { uid: 'asc' }] }),
    }),
  }),
});
const yoga = createYoga({ schema: builder.toSchema(), logging: false });
const server = createServer(yoga);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => void prisma.$disconnect().then(() => process.exit(0))));
