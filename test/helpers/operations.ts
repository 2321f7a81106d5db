// Operations generated from the schema itself, so tests cover every root field, including ones added later: each
// argument becomes a variable, filled with a plain value of its type unless the caller supplies one. Types are
// told apart by shape, not instanceof: the schema may come from graphql's other (CJS or ESM) build.
import type { GraphQLArgument, GraphQLField, GraphQLInputType } from 'graphql';
import { schema } from '../../src/schema/index';

export type RootKind = 'query' | 'mutation';

export interface RootField {
  kind: RootKind;
  name: string;
  field: GraphQLField<unknown, unknown>;
  /** The role its authScopes declare: public, read, write or admin. */
  role: 'public' | 'read' | 'write' | 'admin';
}

export function rootFields(): RootField[] {
  const fields: RootField[] = [];
  for (const kind of ['query', 'mutation'] as const) {
    const type = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
    for (const field of Object.values(type.getFields())) {
      const scopes = (field.extensions as { pothosOptions?: { authScopes?: Record<string, boolean> } }).pothosOptions?.authScopes ?? {};
      const role = (['public', 'read', 'write', 'admin'] as const).find((name) => scopes[name]);
      fields.push({ kind, name: field.name, field, role: role ?? (undefined as never) });
    }
  }
  return fields;
}

type AnyType = { name?: string; ofType?: AnyType; toString(): string; getFields?: () => Record<string, { name: string; type: AnyType }>; getValues?: () => { name: string }[]; getTypes?: unknown };

export function namedTypeOf(type: unknown): AnyType {
  let current = type as AnyType;
  while (current.ofType) current = current.ofType;
  return current;
}

export const isNonNull = (type: unknown) => (type as AnyType).toString().endsWith('!');
export const isList = (type: unknown) => Boolean((type as AnyType).ofType) && !isNonNull(type);

/** A plain value of `type` (required input fields filled, optional ones left out). */
export function plainValue(type: GraphQLInputType | AnyType): unknown {
  const shaped = type as AnyType;
  if (isNonNull(shaped)) return plainValue(shaped.ofType!);
  if (shaped.ofType) return [plainValue(shaped.ofType)];
  if (shaped.getValues) return shaped.getValues()[0]!.name;
  if (shaped.getFields) {
    return Object.fromEntries(
      Object.values(shaped.getFields())
        .filter((field) => isNonNull(field.type))
        .map((field) => [field.name, plainValue(field.type)]),
    );
  }
  switch (shaped.name) {
    case 'Int':
    case 'Float':
    case 'SafeInt':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'JSON':
    case 'JSONObject':
      return {};
    case 'File':
      return null;
    default:
      return 'x';
  }
}

/** `query|mutation($a: T, ...) { field(a: $a, ...) { __typename } }` and its variables (required ones filled). */
export function operationFor(root: Pick<RootField, 'kind' | 'field'>, variables: Record<string, unknown> = {}): { query: string; variables: Record<string, unknown> } {
  const args: readonly GraphQLArgument[] = root.field.args;
  const declarations = args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passing = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = namedTypeOf(root.field.type);
  const selection = named.getFields || named.getTypes ? ' { __typename }' : '';
  const query = `${root.kind}${declarations ? `(${declarations})` : ''} { ${root.field.name}${passing ? `(${passing})` : ''}${selection} }`;
  // Required arguments get a plain value; optional ones are left out unless given.
  const values = Object.fromEntries(
    args.filter((arg) => arg.name in variables || isNonNull(arg.type)).map((arg) => [arg.name, arg.name in variables ? variables[arg.name] : plainValue(arg.type)]),
  );
  return { query, variables: values };
}
