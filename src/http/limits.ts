// Query limits in one place (depth, cost, aliases, tokens), enforced by graphql-armor before execution, and the
// shape limits of variables, checked before graphql-js coerces them (coercing a list of a million inputs would cost
// seconds and hundreds of MB before any field could refuse it).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const queryLimits = {
  maxDepth: 12,
  maxCost: 10_000,
  maxAliases: 30,
  maxDirectives: 30,
  maxTokens: 5_000,
} as const;

/** No argument of the schema nests deeper than this; JSON arguments are further limited when resolved. */
const MAX_VARIABLE_DEPTH = 32;

export function queryLimitsPlugin() {
  return EnvelopArmorPlugin({
    maxDepth: { n: queryLimits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    // Fragments add no data of their own: counted flat, a union result (`... on XPayload`) costs what it selects.
    costLimit: { maxCost: queryLimits.maxCost, ignoreIntrospection: true, exposeLimits: true, flattenFragments: true },
    maxAliases: { n: queryLimits.maxAliases, exposeLimits: true },
    maxDirectives: { n: queryLimits.maxDirectives, exposeLimits: true },
    maxTokens: { n: queryLimits.maxTokens, exposeLimits: true },
    // Suggestions help people in GraphiQL; the schema is public anyway.
    blockFieldSuggestion: { enabled: false },
  });
}

/** Why `variables` are refused before coercion (a list over the cap, nesting past any argument); undefined if not. */
export function variablesProblem(variables: unknown, maxListLength: number): { message: string; field: string } | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: variables, path: '', depth: 0 }];
  while (pending.length) {
    const { value, path, depth } = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_VARIABLE_DEPTH) return { message: `${path} is nested deeper than ${MAX_VARIABLE_DEPTH} levels`, field: path };
    if (Array.isArray(value) && value.length > maxListLength) {
      return { message: `${path} has ${value.length} elements; at most ${maxListLength} are accepted in one request (TROVE_MAX_LIST_LENGTH): send them in batches`, field: path };
    }
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    for (const [key, item] of entries) pending.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
  }
  return undefined;
}

export function variablesLimitPlugin(maxListLength: number): Plugin {
  return {
    onParams: ({ params }) => {
      const problem = variablesProblem(params.variables, maxListLength);
      if (problem) {
        throw createGraphQLError(problem.message, { extensions: { code: 'INVALID_INPUT', field: problem.field, http: { status: 400 } } });
      }
    },
  };
}
