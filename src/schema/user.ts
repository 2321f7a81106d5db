import { ArtifactConnection } from './artifact';
import { builder } from './builder';
import { nodeConnection } from './connections';

export const UserType = builder.prismaNode('User', {
  id: { field: 'uid' },
  description: 'A person or service account that creates records.',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    handle: t.exposeString('handle'),
    name: t.exposeString('name', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    artifacts: t.relatedConnection(
      'artifacts',
      { cursor: 'uid', totalCount: true, query: () => ({ where: { branch: 'MAIN' }, orderBy: [{ createdAt: 'desc' }, { uid: 'asc' }] }) },
      ArtifactConnection,
    ),
  }),
});

const UserConnection = nodeConnection('User', UserType);

builder.queryField('users', (t) =>
  t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'User',
      cursor: 'uid',
      totalCount: (_connection, _args, context) => context.db.user.count(),
      resolve: (query, _root, _args, context) => context.db.user.findMany({ ...query, orderBy: [{ createdAt: 'asc' }, { uid: 'asc' }] }),
    },
    UserConnection,
  ),
);
