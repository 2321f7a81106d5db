// How the SDK turns a mutation's result union into a value or a typed error.

/** An error answered by the server, with its stable code (e.g. NOT_FOUND, HASH_EXISTS). */
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
