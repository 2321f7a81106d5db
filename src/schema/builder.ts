// The one Pothos builder. It wires plugins and scalars and defines no domain types.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLScalarType, Kind } from 'graphql';
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
    BigInt: { Input: bigint; Output: bigint | number };
    JSON: { Input: unknown; Output: unknown };
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

builder.queryType({});
builder.mutationType({});

builder.addScalarType(
  'DateTime',
  new GraphQLScalarType<Date, string>({
    name: 'DateTime',
    description: 'An ISO-8601 timestamp in UTC, e.g. 2026-11-23T10:00:00.000Z.',
    serialize: (value) => (value as Date).toISOString(),
    parseValue: (value) => parseDate(value),
    parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
  }),
);

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string');
  return date;
}

builder.addScalarType(
  'BigInt',
  new GraphQLScalarType<bigint, number>({
    name: 'BigInt',
    description: 'A byte size: a whole number from 0 to 2^53-1 (8 PiB), serialised as a JSON number.',
    serialize: (value) => Number(value as bigint),
    parseValue: (value) => parseBigInt(value),
    parseLiteral: (ast) => parseBigInt(ast.kind === Kind.INT || ast.kind === Kind.STRING ? ast.value : undefined),
  }),
);

/** Byte sizes: whole, not negative, and exact in a JSON number. */
function parseBigInt(value: unknown): bigint {
  const number = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof number === 'number' && Number.isSafeInteger(number) && number >= 0) return BigInt(number);
  throw new TypeError(`BigInt must be a whole number of bytes from 0 to ${Number.MAX_SAFE_INTEGER}`);
}

builder.addScalarType(
  'JSON',
  new GraphQLScalarType({
    name: 'JSON',
    description: 'Any JSON value.',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: function parseJsonLiteral(ast): unknown {
      switch (ast.kind) {
        case Kind.STRING:
        case Kind.BOOLEAN:
          return ast.value;
        case Kind.INT:
        case Kind.FLOAT:
          return Number(ast.value);
        case Kind.NULL:
          return null;
        case Kind.LIST:
          return ast.values.map((item) => parseJsonLiteral(item));
        case Kind.OBJECT:
          return Object.fromEntries(ast.fields.map((field) => [field.name.value, parseJsonLiteral(field.value)]));
        default:
          throw new TypeError('JSON literals cannot contain variables');
      }
    },
  }),
);

builder.scalarType('File', {
  description: 'A file sent with the GraphQL multipart request protocol (small files; see createUpload for large ones).',
  serialize: () => {
    throw new TypeError('File is an input-only scalar');
  },
});
