// graphql-codegen: typed documents for the client SDK, from the committed schema.graphql.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['src/client/**/*.graphql'],
  generates: {
    'src/client/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', SafeInt: 'number', JSON: 'unknown', JSONObject: 'Record<string, unknown>' },
      },
    },
    // possibleTypes for Apollo Client's InMemoryCache: which types each union and interface can be.
    'src/client/generated/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
