// The one Pothos builder. It wires plugins and scalars and defines no domain types.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject, GraphQLSafeInt } from 'graphql-scalars';
import type { TroveContext } from '../context';
import { hasRole } from '../domain/access';
import { InvalidInputError } from '../domain/errors';
import { refusalFor } from './access-rules';
import type PrismaTypes from '../db/generated/pothos-types';
import { getDatamodel } from '../db/generated/pothos-types';
import InputGuardPlugin from './input-guard';

export const MAX_PAGE_SIZE = 100;

export const builder = new SchemaBuilder<{
  Context: TroveContext;
  PrismaTypes: PrismaTypes;
  // Every root field declares one: `public` (anyone), or the least role it needs.
  AuthScopes: { public: boolean; read: boolean; write: boolean; admin: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    SafeInt: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    File: { Input: File; Output: never };
  };
}>({
  // errors first, so that it turns refusals of the plugins after it into typed results (as its documentation asks);
  // then access, before any argument is even looked at.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, InputGuardPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (context) => ({
      public: true,
      read: hasRole(context.viewer, 'READ'),
      write: hasRole(context.viewer, 'WRITE'),
      admin: hasRole(context.viewer, 'ADMIN'),
    }),
    unauthorizedError: (_parent, context, _info, result) => refusalFor(context.viewer, result.failure),
  },
  defaultFieldNullability: false,
  prisma: {
    client: (context) => context.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: 20,
    // Tests fail on a resolver that ignores the selection it was given (a hidden N+1).
    onUnusedQuery: process.env.VITEST ? 'error' : null,
  },
  relay: {
    nodeQueryOptions: { authScopes: { read: true } },
    nodesQueryOptions: { authScopes: { read: true } },
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
  // Mutation results are unions of the payload itself and typed errors (`RegisterStoragePayload | InvalidInput`).
  // unsafelyHandleInputErrors: argument validation failures become the field's InvalidInput result too.
  errors: { defaultTypes: [], directResult: true, unsafelyHandleInputErrors: true },
  validation: {
    // Input validation failures become the typed InvalidInput result, naming the offending field.
    validationError: (failure) => {
      const issue = failure.issues[0];
      const field = issue?.path?.map((segment) => (typeof segment === 'object' ? String(segment.key) : String(segment))).join('.');
      return new InvalidInputError(failure.issues.map((item) => item.message).join('; '), field || undefined);
    },
  },
});

/** The builder's schema types, for helpers that build types generically (connections). */
export type TroveSchemaTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

builder.queryType({});
builder.mutationType({});

// Scalars from graphql-scalars: RFC 3339 timestamps, byte sizes exact in a JSON number (the input guard refuses
// negative ones), any JSON value, and JSON objects (run parameters).
builder.addScalarType('DateTime', GraphQLDateTime);
builder.addScalarType('SafeInt', GraphQLSafeInt);
builder.addScalarType('JSON', GraphQLJSON);
builder.addScalarType('JSONObject', GraphQLJSONObject);

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request protocol (small files; see createUpload for large ones).',
  serialize: () => {
    throw new TypeError('File is an input-only scalar');
  },
});
