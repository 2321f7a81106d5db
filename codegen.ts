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
        scalars: { DateTime: 'string', BigInt: 'number', JSON: 'unknown' },
      },
    },
  },
};

export default config;
