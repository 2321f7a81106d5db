// API tokens (admin) and `viewer`: who the caller is and what their role allows.
import type { ApiTokenWithUser } from '../domain/tokens';
import { createApiToken, listApiTokens, revokeApiToken } from '../domain/tokens';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { builder } from './builder';
import { UserType } from './user';

export const RoleEnum = builder.enumType('Role', {
  description: 'READ runs queries; WRITE also saves, changes and deletes artifacts, labels, transforms and runs; ADMIN also registers storages, repairs and manages tokens.',
  values: ['READ', 'WRITE', 'ADMIN'] as const,
});

const ApiTokenObject = builder.objectRef<ApiTokenWithUser>('ApiToken').implement({
  description: 'A bearer token. Its secret is shown once, when it is made; Trove keeps only a hash.',
  fields: (t) => ({
    id: t.exposeString('uid', { description: 'What `revokeApiToken` takes.' }),
    name: t.exposeString('name', { nullable: true }),
    role: t.expose('role', { type: RoleEnum }),
    user: t.field({ type: UserType, resolve: (token) => token.user }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
  }),
});

const Viewer = builder
  .objectRef<{ role: 'READ' | 'WRITE' | 'ADMIN' | null; anonymous: boolean; tokenUid: string | null; userId: number }>('Viewer')
  .implement({
    description: 'The caller.',
    fields: (t) => ({
      role: t.field({ type: RoleEnum, nullable: true, resolve: (viewer) => viewer.role, description: 'Null: a token is needed.' }),
      anonymous: t.exposeBoolean('anonymous', { description: 'True without a token (local access to a server that has no tokens yet).' }),
      tokenId: t.exposeString('tokenUid', { nullable: true }),
    }),
  });

builder.objectField(Viewer, 'user', (t) =>
  t.prismaField({
    type: 'User',
    description: 'The user records are created as.',
    resolve: (query, viewer, _args, context) => context.db.user.findUniqueOrThrow({ ...query, where: { id: viewer.userId } }),
  }),
);

builder.queryFields((t) => ({
  viewer: t.field({
    type: Viewer,
    authScopes: { public: true },
    description: 'Who you are and your role; answers without a role too, so a client can tell why it is refused.',
    resolve: (_root, _args, context) => ({ ...context.viewer, userId: context.viewer.user.id }),
  }),
  apiTokens: t.field({
    type: [ApiTokenObject],
    authScopes: { admin: true },
    args: { includeInactive: t.arg.boolean({ required: false, defaultValue: false, description: 'Also revoked and expired tokens.' }) },
    resolve: (_root, args, context) => listApiTokens(context.db, { includeInactive: args.includeInactive ?? false }),
  }),
}));

const CreateApiTokenInput = builder.inputType('CreateApiTokenInput', {
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: true }),
    userHandle: t.string({ required: false, description: 'The user the token acts as (created when new); default: yours.' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Default: never (at most ten years).' }),
    name: t.string({ required: false, description: 'To tell tokens apart, e.g. "nightly pipeline".' }),
  }),
});

const CreateApiTokenPayload = builder.objectRef<{ secret: string; token: ApiTokenWithUser }>('CreateApiTokenPayload').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The token itself: send it as "Authorization: Bearer <secret>". Shown only now.' }),
    token: t.field({ type: ApiTokenObject, resolve: (payload) => payload.token }),
  }),
});

const RevokeApiTokenPayload = builder.objectRef<{ token: ApiTokenWithUser }>('RevokeApiTokenPayload').implement({
  fields: (t) => ({ token: t.field({ type: ApiTokenObject, resolve: (payload) => payload.token }) }),
});

const RevokeApiTokenInput = builder.inputType('RevokeApiTokenInput', {
  fields: (t) => ({ id: t.string({ required: true, description: 'The token id that `apiTokens` and `trove token list` show.' }) }),
});

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreateApiTokenPayload,
    authScopes: { admin: true },
    description: 'Makes a token with a role for a user.',
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    errors: { types: [InvalidInputError], union: { name: 'CreateApiTokenResult' } },
    resolve: async (_root, { input }, context) => {
      const made = await createApiToken(context.db, {
        role: input.role,
        userHandle: input.userHandle ?? context.user.handle,
        expiresAt: input.expiresAt,
        name: input.name,
        createdById: context.user.id,
      });
      context.tokensChanged();
      return made;
    },
  }),
  revokeApiToken: t.field({
    type: RevokeApiTokenPayload,
    authScopes: { admin: true },
    description: 'Revokes a token at once.',
    args: { input: t.arg({ type: RevokeApiTokenInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RevokeApiTokenResult' } },
    resolve: async (_root, { input }, context) => {
      const token = await revokeApiToken(context.db, input.id);
      context.tokensChanged();
      return { token };
    },
  }),
}));
