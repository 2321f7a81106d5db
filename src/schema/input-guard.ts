// A Pothos plugin that guards every field before anything else looks at its arguments (it wraps outside the argument
// mappers: validation, Relay id decoding). First the field's access rule (its authScopes; scope-auth checks it again
// later), so a caller without the role learns nothing from argument errors. Then every argument, so the database
// never sees a value it cannot store and the work per request stays linear in its size: strings without NUL
// characters or lone surrogates and within a length (in characters), lists within TROVE_MAX_LIST_LENGTH, JSON
// within a depth and a size, byte sizes not negative, files that are files. A refusal is an InvalidInput naming the path (`inputs.3.key`).
import SchemaBuilder, { BasePlugin, type PothosInputFieldConfig, type PothosInputFieldType, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { TroveConfig } from '../config';
import { hasRole, type Viewer } from '../domain/access';
import { InvalidInputError } from '../domain/errors';
import { refusal, roleOfScopes } from './access-rules';

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

/** Longest strings, in characters, by argument or input field name; others get DEFAULT_MAX_CHARACTERS. */
const MAX_CHARACTERS: Record<string, number> = {
  name: 255,
  nameContains: 255,
  requestedName: 255,
  versionTag: 64,
  suffix: 64,
  description: 10_000,
  sourceCode: 1_000_000,
  path: 4096,
};
const DEFAULT_MAX_CHARACTERS = 1024;
export const MAX_JSON_DEPTH = 16;
export const MAX_JSON_BYTES = 64 * 1024;

type Shape =
  | { kind: 'string'; name: string }
  | { kind: 'json' }
  | { kind: 'size' }
  | { kind: 'file' }
  | { kind: 'other' }
  | { kind: 'object'; fields: Record<string, Shape> }
  | { kind: 'list'; of: Shape };

interface Limits {
  maxListLength: number;
}

// A UTF-16 surrogate that is not part of a pair; with NUL, what PostgreSQL text cannot hold.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FORBIDDEN_CHARACTER = new RegExp(`\\0|${LONE_SURROGATE.source}`);

function characterCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) index++; // a pair counts once (lone surrogates are refused before)
    count++;
  }
  return count;
}

export function stringProblem(text: string, maxCharacters: number): string | undefined {
  if (FORBIDDEN_CHARACTER.test(text)) {
    return text.includes('\0') ? 'contains a NUL character' : 'contains a lone UTF-16 surrogate (not valid Unicode text)';
  }
  // text.length counts UTF-16 units, never fewer than characters: count only when it might be too long.
  if (text.length > maxCharacters && characterCount(text) > maxCharacters) return `is longer than ${maxCharacters} characters`;
  return undefined;
}

function checkString(text: string, path: string, maxCharacters: number): void {
  const problem = stringProblem(text, maxCharacters);
  if (problem) throw new InvalidInputError(`${path} ${problem}`, path);
}

function checkJson(value: unknown, path: string): void {
  let bytes = 0;
  const visit = (item: unknown, depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw new InvalidInputError(`${path} is nested deeper than ${MAX_JSON_DEPTH} levels`, path);
    if (typeof item === 'string') {
      checkString(item, path, MAX_JSON_BYTES);
      bytes += item.length + 2;
    } else if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw new InvalidInputError(`${path} holds a number JSON cannot represent`, path);
      bytes += 8;
    } else if (Array.isArray(item)) {
      bytes += 2;
      for (const element of item) visit(element, depth + 1);
    } else if (item !== null && typeof item === 'object') {
      bytes += 2;
      for (const [key, element] of Object.entries(item)) {
        checkString(key, path, 1024);
        bytes += key.length + 3;
        visit(element, depth + 1);
      }
    } else {
      bytes += 5;
    }
    if (bytes > MAX_JSON_BYTES) throw new InvalidInputError(`${path} is larger than ${MAX_JSON_BYTES / 1024} KiB of JSON`, path);
  };
  visit(value, 1);
}

function checkValue(value: unknown, shape: Shape, path: string, limits: Limits): void {
  if (value === null || value === undefined) return;
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') return;
      if (shape.name === 'content') {
        // Inline content goes to storage, not to the database: NUL is fine, its size is checked in bytes by the save,
        // but a lone surrogate would silently become U+FFFD.
        if (LONE_SURROGATE.test(value)) throw new InvalidInputError(`${path} contains a lone UTF-16 surrogate (not valid Unicode text)`, path);
        return;
      }
      checkString(value, path, MAX_CHARACTERS[shape.name] ?? DEFAULT_MAX_CHARACTERS);
      return;
    case 'json':
      checkJson(value, path);
      return;
    case 'size':
      if (typeof value === 'number' && value < 0) throw new InvalidInputError(`${path} is a number of bytes: 0 or more`, path);
      return;
    case 'file':
      // Duck-typed: yoga's fetch implementation brings its own File class.
      if (typeof value !== 'object' || typeof (value as File).stream !== 'function' || typeof (value as File).name !== 'string') {
        throw new InvalidInputError(`${path} must be a file sent as a part of a GraphQL multipart request`, path);
      }
      return;
    case 'list':
      if (!Array.isArray(value)) return;
      if (value.length > limits.maxListLength) {
        throw new InvalidInputError(`${path} has ${value.length} elements; at most ${limits.maxListLength} are accepted in one request (TROVE_MAX_LIST_LENGTH): send them in batches`, path);
      }
      value.forEach((element, index) => checkValue(element, shape.of, `${path}.${index}`, limits));
      return;
    case 'object':
      for (const [name, fieldShape] of Object.entries(shape.fields)) {
        checkValue((value as Record<string, unknown>)[name], fieldShape, `${path}.${name}`, limits);
      }
      return;
    default:
      return;
  }
}

export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  private shapeOfType(type: PothosInputFieldType<Types>, name: string, seen: Set<string>): Shape {
    if (type.kind === 'List') return { kind: 'list', of: this.shapeOfType(type.type, name, seen) };
    const typeName = this.buildCache.getTypeConfig(type.ref).name;
    if (type.kind === 'InputObject') {
      if (seen.has(typeName)) return { kind: 'other' }; // recursive input types: checked one level deep
      return { kind: 'object', fields: this.shapesOf(this.buildCache.getInputTypeFieldConfigs(type.ref), new Set([...seen, typeName])) };
    }
    if (typeName === 'String' || typeName === 'ID') return { kind: 'string', name };
    if (typeName === 'JSON' || typeName === 'JSONObject') return { kind: 'json' };
    if (typeName === 'SafeInt') return { kind: 'size' }; // every SafeInt argument is a byte size
    if (typeName === 'File') return { kind: 'file' };
    return { kind: 'other' };
  }

  private shapesOf(fields: Record<string, PothosInputFieldConfig<Types>>, seen: Set<string>): Record<string, Shape> {
    return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, this.shapeOfType(field.type, name, seen)]));
  }

  override wrapArgMappers(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: Parameters<BasePlugin<Types>['wrapArgMappers']>[1],
  ): GraphQLFieldResolver<unknown, Types['Context'], object> | undefined {
    if (!resolver) return resolver;
    const neededRole = roleOfScopes((fieldConfig.pothosOptions as { authScopes?: unknown }).authScopes);
    const hasArgs = Object.keys(fieldConfig.args).length > 0;
    if (!neededRole && !hasArgs) return resolver;
    let shapes: Record<string, Shape> | undefined;
    return (parent, args, context, info) => {
      const { config, viewer } = context as { config: TroveConfig; viewer: Viewer };
      if (neededRole && !hasRole(viewer, neededRole)) throw refusal(viewer, neededRole);
      if (hasArgs) {
        shapes ??= this.shapesOf(fieldConfig.args, new Set());
        const limits = { maxListLength: config.maxListLength };
        for (const [name, shape] of Object.entries(shapes)) checkValue((args as Record<string, unknown>)[name], shape, name, limits);
      }
      return resolver(parent, args, context, info);
    };
  }
}

const pluginName = 'inputGuard';
SchemaBuilder.registerPlugin(pluginName, InputGuardPlugin);

export default pluginName;
