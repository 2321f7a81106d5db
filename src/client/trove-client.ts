// Typed SDK over graphql-request; operation types come from graphql-codegen (src/client/operations.graphql).
import { GraphQLClient } from 'graphql-request';
import { RegisterStorageDocument, type RegisterStorageInput, StoragesDocument } from './generated/graphql';

export class TroveClient {
  readonly graphql: GraphQLClient;

  constructor(
    /** Base URL of a Trove server, e.g. http://127.0.0.1:4000 */
    readonly baseUrl: string,
    options: { fetch?: typeof fetch } = {},
  ) {
    this.graphql = new GraphQLClient(new URL('/graphql', baseUrl).toString(), { fetch: options.fetch });
  }

  async storages() {
    const data = await this.graphql.request(StoragesDocument);
    return data.storages.edges.map((edge) => edge.node);
  }

  async registerStorage(input: RegisterStorageInput) {
    const { registerStorage: result } = await this.graphql.request(RegisterStorageDocument, { input });
    if (result.__typename !== 'RegisterStoragePayload') throw new TroveClientError(result.code, result.message);
    return result;
  }

  async health(): Promise<{ ok: boolean; database: string; storage: string }> {
    const response = await fetch(new URL('/healthz', this.baseUrl));
    return (await response.json()) as { ok: boolean; database: string; storage: string };
  }
}

export class TroveClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TroveClientError';
  }
}
