// API tokens through the SDK (admin), and who the caller is.
import type { GraphQLClient } from 'graphql-request';
import { type ApiTokenFieldsFragment, ApiTokensDocument, CreateApiTokenDocument, type CreateApiTokenInput, RevokeApiTokenDocument, ViewerDocument } from './generated/graphql';
import { unwrap } from './results';

export type ClientApiToken = ApiTokenFieldsFragment;

export class TokensClient {
  constructor(private readonly graphql: GraphQLClient) {}

  /** Who the server takes the caller for, and their role (null: a token is needed). */
  async viewer() {
    return (await this.graphql.request(ViewerDocument)).viewer;
  }

  async list(options: { includeInactive?: boolean } = {}): Promise<ClientApiToken[]> {
    return (await this.graphql.request(ApiTokensDocument, options)).apiTokens;
  }

  /** Makes a token; `secret` is shown only in this answer. */
  async create(input: CreateApiTokenInput): Promise<{ secret: string; token: ClientApiToken }> {
    const { createApiToken } = await this.graphql.request(CreateApiTokenDocument, { input });
    return unwrap(createApiToken, 'CreateApiTokenPayload');
  }

  async revoke(id: string): Promise<ClientApiToken> {
    const { revokeApiToken } = await this.graphql.request(RevokeApiTokenDocument, { input: { id } });
    return unwrap(revokeApiToken, 'RevokeApiTokenPayload').token;
  }
}
