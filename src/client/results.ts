// How the SDK turns results and failures into values or typed errors, each with a stable code and one line of text.
import { ClientError } from 'graphql-request';

/** An error answered by the server, with its stable code (e.g. NOT_FOUND, HASH_EXISTS, FORBIDDEN). */
export class TroveClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TroveClientError';
  }
}

/** The payload member of a mutation's result union; any error member is thrown as a TroveClientError. */
export function unwrap<R extends { __typename: string }, T extends R['__typename']>(result: R, typename: T): Extract<R, { __typename: T }> {
  if (result.__typename !== typename) {
    const error = result as unknown as { code: string; message: string };
    throw new TroveClientError(error.code, error.message);
  }
  return result as Extract<R, { __typename: T }>;
}

/**
 * Any failure of a call to `serverUrl` as a TroveClientError: GraphQL errors keep the server's code and message
 * (e.g. FORBIDDEN naming the missing role), a server that cannot be reached is UNREACHABLE naming the URL.
 */
export function asClientError(error: unknown, serverUrl: string): TroveClientError {
  if (error instanceof TroveClientError) return error;
  if (error instanceof ClientError) {
    const first = error.response.errors?.[0];
    if (first) return new TroveClientError(String(first.extensions?.code ?? `HTTP_${error.response.status}`), first.message);
    return new TroveClientError(`HTTP_${error.response.status}`, `the server at ${serverUrl} answered HTTP ${error.response.status}`);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TypeError' && /fetch failed/.test((error as Error).message)) {
    return new TroveClientError('UNREACHABLE', `cannot reach the Trove server at ${serverUrl} (${cause?.code ?? cause?.message ?? 'no answer'}); is it running? (set --url or TROVE_URL)`);
  }
  return new TroveClientError('CLIENT_ERROR', (error as Error).message ?? String(error));
}

/** A page of a Relay connection, as the SDK's operations select it. */
interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/** Every node of a connection, fetching page after page (`fetchPage(after)`) as the caller iterates. */
export async function* everyNode<T>(fetchPage: (after: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    for (const edge of page.edges) yield edge.node;
    after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
  } while (after);
}
