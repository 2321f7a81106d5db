// Query limits in one place (depth, cost, aliases, tokens), enforced by graphql-armor before execution.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';

export const queryLimits = {
  maxDepth: 12,
  maxCost: 10_000,
  maxAliases: 30,
  maxDirectives: 30,
  maxTokens: 5_000,
} as const;

export function queryLimitsPlugin() {
  return EnvelopArmorPlugin({
    maxDepth: { n: queryLimits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    costLimit: { maxCost: queryLimits.maxCost, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: queryLimits.maxAliases, exposeLimits: true },
    maxDirectives: { n: queryLimits.maxDirectives, exposeLimits: true },
    maxTokens: { n: queryLimits.maxTokens, exposeLimits: true },
    // Suggestions help people in GraphiQL; the schema is public anyway.
    blockFieldSuggestion: { enabled: false },
  });
}
